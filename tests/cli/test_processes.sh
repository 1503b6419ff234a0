#!/usr/bin/env bash
# perfbudget run --processes and --cpu (add_perf_test's PROCESSES and CPU): the measurement is
# repeated and pooled with each repetition's median kept, and the command pinned to one CPU.
# Budgets are minutes: nothing depends on speed.
# Usage: test_processes.sh PATH_TO_PERFBUDGET
set -euo pipefail
tests_cli=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
perfbudget=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
source "$tests_cli/common.sh"

# The last CPU this shell may use: pinned there, a process shows only that one.
cpu=$(awk '/^Cpus_allowed_list:/ {n = split($2, parts, /[-,]/); print parts[n]}' /proc/self/status)
expect 0 "PASS pooled" -- "$perfbudget" run --name pooled --runs 2 --warmup 0 --processes 3 \
  --cpu "$cpu" --json pooled.json --shell -- "grep Cpus_allowed_list /proc/self/status >> cpus.txt"
python3 - "$cpu" <<'PY' || fail "pooled.json: not 3 processes of 2 samples, or not pinned"
import json, sys
benchmark = json.load(open("pooled.json"))["benchmarks"][0]
medians = [m["name"] for m in benchmark["custom_metrics"] if m["name"].startswith("process_median_")]
assert medians == ["process_median_1", "process_median_2", "process_median_3"], medians
assert len(benchmark["samples"]) == 6, benchmark["samples"]
lines = open("cpus.txt").read().split("\n")[:-1]
assert len(lines) == 6 and all(line.split()[1] == sys.argv[1] for line in lines), lines
PY

expect 2 "cannot pin to CPU 4000: this process may use CPUs" -- \
  "$perfbudget" run --name p --runs 1 --cpu 4000 -- true
expect 2 "invalid value '0' for --processes" -- "$perfbudget" run --name p --processes 0 -- true

finish processes
