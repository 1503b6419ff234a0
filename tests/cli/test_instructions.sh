#!/usr/bin/env bash
# Instructions mode end to end: a suite counts under valgrind's callgrind (started by itself,
# as on a VM without a PMU), the counts are exact, and a 1 % slowdown fails on one run.
# Usage: test_instructions.sh SUITE   (exit 77, skipped, without valgrind)
set -uo pipefail
suite=$1
command -v valgrind >/dev/null || { echo "valgrind is not installed: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() { # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
instructions() { python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["benchmarks"][0]; print(b["metrics"]["instructions_per_iteration"], b.get("mode"))' "$1"; }

export TMPDIR=$work
COUNTED_STEPS=1000 "$suite" --mode instructions --json "$work/base.json" >"$work/out" 2>&1
check "a counted run exits 0" test $? -eq 0
COUNTED_STEPS=1000 PERFBUDGET_MODE=instructions "$suite" --json "$work/again.json" >/dev/null 2>&1
read -r base mode < <(instructions "$work/base.json")
read -r again _ < <(instructions "$work/again.json")
check "the result says instructions mode" test "$mode" = instructions
check "counts repeat to 0.01 % ($base, $again)" \
  python3 -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(abs(a - b) > 1e-4 * a)" "$base" "$again"
# Twice the steps, twice the count: whatever the compiler makes of a step, nothing of
# perfbudget's own but a few instructions of loop bookkeeping is in the figure.
COUNTED_STEPS=2000 "$suite" --mode instructions --json "$work/double.json" >/dev/null 2>&1
read -r double _ < <(instructions "$work/double.json")
check "only the measured loop is counted ($base per 1000 steps, $double per 2000)" \
  python3 -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(not abs(2 * a - b) <= max(0.02 * a, 64))" "$base" "$double"
check "valgrind's dumps are removed" test -z "$(ls -A "$work" | grep callgrind)"

COUNTED_STEPS=1010 "$suite" --mode instructions --ctest --baseline "$work/base.json" --threshold 0.5 \
  >"$work/slower" 2>&1
check "1 % more work fails under --ctest" test $? -eq 1
check "the verdict names the counts" grep -q "FAIL steps: instructions .* (exact counts), threshold 0.5%: regression" "$work/slower"
COUNTED_STEPS=1000 "$suite" --mode instructions --ctest --baseline "$work/base.json" --threshold 0.5 \
  >"$work/same" 2>&1
check "the same work passes" test $? -eq 0
check "times are not judged" grep -q "instructions mode: .* are not judged" "$work/same"

COUNTED_STEPS=1000 "$suite" --ctest --baseline "$work/base.json" --min-time 10ms >"$work/timed" 2>&1
check "a timed run is not compared with a counted baseline" \
  grep -q "the baseline measured this benchmark only in instructions mode, this run is in time mode" "$work/timed"

# Two tests of one benchmark, one per mode, in one CTest session: neither overwrites the other.
mkdir -p "$work/session"
COUNTED_STEPS=1000 "$suite" --ctest --session "$work/session" --min-time 10ms >/dev/null 2>&1
COUNTED_STEPS=1000 "$suite" --mode instructions --ctest --session "$work/session" >/dev/null 2>&1
check "a session keeps a result file per mode" test "$(ls "$work/session" | wc -l)" -eq 2

"$suite" --mode cycles >"$work/bad" 2>&1
check "an unknown mode is a usage error" test $? -eq 2
PERFBUDGET_MODE=cycles "$suite" >"$work/bad" 2>&1
check "an unknown PERFBUDGET_MODE is a usage error" test $? -eq 2

COUNTED_STEPS=1000 PATH=/nonexistent "$suite" --mode instructions >"$work/novalgrind" 2>&1
status=$?
if grep -q "no hardware counters" "$work/novalgrind"; then # no PMU here, as on most VMs
  check "without valgrind: exit 2" test $status -eq 2
  check "without valgrind: says how to install it" grep -q "apt-get install valgrind" "$work/novalgrind"
fi
[[ $failures -eq 0 ]]
