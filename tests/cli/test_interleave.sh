#!/usr/bin/env bash
# perfbudget compare --interleave end to end: two builds of one suite as modules (the second
# does 3x the work), exit codes, the verdict line, the JSON, and the input errors. A 200 %
# slowdown is far beyond any noise, and the identical pair is judged against a 50 % threshold,
# so nothing depends on this machine's speed (the CI's lower end may dip below 0 on a loaded
# machine: only its form is checked).
# Usage: test_interleave.sh PERFBUDGET BASE_MODULE SLOW_MODULE SUITE_EXECUTABLE
set -euo pipefail
tests_cli=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
perfbudget=$(realpath "$1")
base=$(realpath "$2")
slow=$(realpath "$3")
suite_exe=$(realpath "$4")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
source "$tests_cli/common.sh"


fast=(--seconds 0.2)
# A verdict to check needs more pairs than a busy machine leaves in 0.2 s (15 under 4 spinners).
decided=(--seconds 1)
line='work: time/iteration median .* vs .* baseline: \+[0-9.]+% \(9[0-9]% CI [-+][0-9.]+% to \+[0-9.]+%\), p = [0-9.e-]+, [0-9]+ pairs, in-process, batch by batch: regression \(critical\), threshold 5%'
expect 1 "^FAIL $line" -- "$perfbudget" compare --interleave "$base" "$slow" --filter work "${decided[@]}"
expect 1 "only_in_base is only in the baseline" -- "$perfbudget" compare --interleave "$base" "$slow" "${decided[@]}"
expect 1 "only_in_slow is only in the candidate" -- "$perfbudget" compare --interleave "$base" "$slow" "${decided[@]}"
# The other way round it is an improvement, and passes.
expect 0 "^PASS work: .* -[0-9.]+% .* in-process, batch by batch: improvement \(info\)" -- "$perfbudget" compare --interleave "$slow" "$base" --filter work "${decided[@]}"
# A copy of the same module: no regression at a threshold no noise reaches.
cp "$base" same.so
expect 0 "^PASS work: .*batch by batch: pass" -- "$perfbudget" compare --interleave "$base" same.so --filter work --threshold 50 "${decided[@]}"
expect 0 "threshold 50%" -- "$perfbudget" compare --interleave "$base" same.so --filter 'w*' --threshold 50 --pairs 12
expect 0 "threshold 40%" -- env PERFBUDGET_THRESHOLD=40 "$perfbudget" compare --interleave "$base" same.so --filter work --pairs 12
expect 2 "invalid PERFBUDGET_THRESHOLD 'x'" -- env PERFBUDGET_THRESHOLD=x "$perfbudget" compare --interleave "$base" same.so
# --pairs, and the JSON with the pairs. What is under test is the count and the file: beside 4
# CPU spinners 30 pairs of the 3x slower module can come out inconclusive (exit 0), never a pass.
"$perfbudget" compare --interleave "$base" "$slow" --filter work --pairs 30 --json out.json > pairs.txt || true
grep -q ", 30 pairs," pairs.txt || { fail "--pairs 30:"; cat pairs.txt; }
python3 - <<'PY' || fail "out.json"
import json
doc = json.load(open("out.json"))
assert doc["kind"] == "perfbudget-interleaved-comparison" and doc["granularity"] == "in-process, batch by batch"
(entry,) = doc["benchmarks"]
assert entry["name"] == "work" and entry["pairs"] == 30, entry
assert entry["outcome"] in ("regression", "inconclusive"), entry["outcome"]
assert len(entry["baseline_samples"]) == len(entry["candidate_samples"]) == 30
assert entry["test"] == "wilcoxon-signed-rank"
assert entry["outcome"] == "inconclusive" or entry["change_pct"] > 100, entry["change_pct"]
PY
# A failing benchmark fails the comparison with its reason.
expect 1 "^FAIL flaky: the baseline failed: FIXTURE_FAIL is set" -- env FIXTURE_FAIL=1 "$perfbudget" compare --interleave "$base" "$base" --filter flaky "${fast[@]}"

# Input errors: exit 2 and a message naming the file.
expect 2 "cannot read the baseline module missing.so: No such file" -- "$perfbudget" compare --interleave missing.so "$slow"
expect 2 "cannot read the candidate module nowhere/b.so" -- "$perfbudget" compare --interleave "$base" nowhere/b.so
echo "not an ELF file" > text.so
expect 2 "cannot load the candidate module ./text.so: " -- "$perfbudget" compare --interleave "$base" text.so
expect 2 "/libc.so.6 is not a perfbudget suite module \(it has no perfbudget_suite_entry\(\)" -- "$perfbudget" compare --interleave "$base" "$(ldd "$perfbudget" | awk '/libc.so.6/ {print $3}')"
expect 2 "cannot load the baseline module .*interleave_exe" -- "$perfbudget" compare --interleave "$suite_exe" "$base"
expect 2 "no benchmark matching 'nothing\*' is in both" -- "$perfbudget" compare --interleave "$base" "$slow" --filter 'nothing*'
expect 2 "give two suite modules" -- "$perfbudget" compare --interleave "$base"
expect 2 "only --interleave comparisons are supported" -- "$perfbudget" compare "$base" "$slow"
expect 2 "invalid value 'x' for --seconds" -- "$perfbudget" compare --interleave "$base" "$slow" --seconds x
expect 2 "invalid value '0' for --pairs" -- "$perfbudget" compare --interleave "$base" "$slow" --pairs 0
expect 2 "unknown option --frobnicate" -- "$perfbudget" compare --interleave "$base" "$slow" --frobnicate
expect 0 "usage: perfbudget compare --interleave BASELINE.so CANDIDATE.so" -- "$perfbudget" compare --help

# The same source still makes an ordinary suite executable.
expect 0 "^work$" -- "$suite_exe" --list

# Whole commands, run by run. Process noise is large: identical commands may be inconclusive.
expect 1 "^FAIL command: time/run median .*, process, run by run: regression" -- "$perfbudget" compare --interleave --baseline-command 'true' --candidate-command 'sleep 0.1' --pairs 12
expect 0 "^(PASS|INCONCLUSIVE) same: time/run median .*, 8 pairs, process, run by run: " -- "$perfbudget" compare --interleave --baseline-command 'true' --candidate-command 'true' --name same --pairs 8 --threshold 200
expect 1 "^FAIL command: the candidate failed: .*exit" -- "$perfbudget" compare --interleave --baseline-command 'true' --candidate-command 'exit 3' --pairs 8
expect 2 "give both --baseline-command and --candidate-command" -- "$perfbudget" compare --interleave --baseline-command 'true'

finish "interleave"
