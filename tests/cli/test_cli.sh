#!/usr/bin/env bash
# The perfbudget command line end to end: run, check, baselines and the history, exit codes and
# messages. Budgets are minutes or nanoseconds, so nothing depends on this machine's speed.
# Usage: test_cli.sh PATH_TO_PERFBUDGET
set -euo pipefail
tests_cli=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
perfbudget=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
source "$tests_cli/common.sh"
# The scripted histories below take 120 runs of one code path; under valgrind (cli.memcheck) that
# was half of its 8 minutes. There the first run of each loop is checked and the rest run natively.
native=${MEMCHECK_TARGET:-$perfbudget}
history_builder() { if (($1 == 0)); then echo "$perfbudget"; else echo "$native"; fi; }

cat > perfbudget.yml <<'YAML'
version: 1
settings:
  history: state/history.sqlite
budgets:
  quick: {latency: {p95: 10min}}
  tight: {latency: {median: 1ns}}
YAML

expect 0 "ok \(2 budgets\)" -- "$perfbudget" validate perfbudget.yml
: > empty.yml
expect 2 "empty.yml:1:1: the budget file is empty" -- "$perfbudget" validate empty.yml
# Only a regular file is read: a FIFO would wait for a writer forever.
expect 2 "/dev/null: not a regular file \(a character device\)" -- "$perfbudget" validate /dev/null
expect 0 "PASS quick: 1 limit met" -- "$perfbudget" run --name quick --runs 3 --budget perfbudget.yml -- true
expect 0 "history: run 2 recorded in state/history.sqlite" -- "$perfbudget" run --name quick --runs 3 --budget perfbudget.yml -- true
[[ -f state/history.sqlite ]] || fail "the history was not created beside the budget"
expect 1 "FAIL tight: median .* > 1 ns budget" -- "$perfbudget" run --name tight --runs 3 --budget perfbudget.yml -- true
expect 1 "FAIL crash: measured run 1 of 2 killed by signal 11|FAIL crash: warm-up run 1 of 1 killed by signal 11" -- "$perfbudget" run --name crash --runs 2 -- sh -c 'kill -SEGV $$'
expect 2 "no command" -- "$perfbudget" run --runs 3
expect 2 "unknown command 'frobnicate'" -- "$perfbudget" frobnicate

# Baselines: save, compare with, export and import.
expect 0 "baseline 'main' saved" -- "$perfbudget" baseline save main --budget perfbudget.yml
expect 0 "^main +run" -- "$perfbudget" baseline list --budget perfbudget.yml
expect 0 "baseline 'main' \(run" -- "$perfbudget" run --name quick --runs 3 --budget perfbudget.yml --baseline main -- true
expect 2 "no baseline named 'nightly'" -- "$perfbudget" run --name quick --runs 3 --budget perfbudget.yml --baseline nightly -- true
expect 0 "exported to main.json" -- "$perfbudget" baseline export main main.json --budget perfbudget.yml
expect 0 "imported 1 benchmarks from main.json as run 1, baseline 'main'" -- "$perfbudget" baseline import main.json --history other.sqlite
expect 0 "baseline: none yet" -- env PERFBUDGET_REGRESSION=1 "$perfbudget" run --name quick --runs 3 --history fresh.sqlite -- true

# A regression against a stored baseline fails with the figures; 20,000 shell loop steps (about
# 50 ms of CPU) against true are far apart in wall time and in CPU time alike, so the check holds
# when the machine was busier for one side and the verdict is made on CPU time (a sleep was not).
# 20 runs a side: with 8, the median's interval spans every run, and one run of the loop held up
# for seconds beside 4 spinners made +20,000 % inconclusive.
expect 0 "recorded" -- "$perfbudget" run --name slow --runs 20 --warmup 0 --history reg.sqlite -- true
expect 0 "saved" -- "$perfbudget" baseline save fast --history reg.sqlite
expect 1 "FAIL slow: median .* vs .* baseline: \+[0-9.]+% .*regression \(critical\)" -- "$perfbudget" run --name slow --runs 20 --warmup 0 --history reg.sqlite --baseline fast -- sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'

# check judges an existing result file.
expect 0 "" -- "$perfbudget" run --name quick --runs 3 --json quick.json -- true
expect 0 "PASS quick" -- "$perfbudget" check quick.json --budget perfbudget.yml
expect 1 "FAIL quick: median .* > 1 ns budget" -- "$perfbudget" check quick.json --budget perfbudget.yml --budget-name tight
expect 2 "perfbudget.yml:1:7: not a JSON result file" -- "$perfbudget" check perfbudget.yml

# An exported baseline imports back exactly: export the imported copy and compare the samples.
expect 0 "exported to again.json" -- "$perfbudget" baseline export main again.json --history other.sqlite
python3 - main.json again.json <<'PY' || fail "export -> import -> export changed the samples"
import json, sys
first, second = (json.load(open(path)) for path in sys.argv[1:])
pick = lambda doc: [(b["name"], b["samples"], b["summary"]) for b in doc["benchmarks"]]
sys.exit(0 if pick(first) == pick(second) else 1)
PY

# A scripted history: 60 runs, a 15 % step at the 41st (run 40 counted from 0), imported from
# hyperfine-format files so the figures are exact; the step is found there and nowhere else.
for i in $(seq 0 59); do
  python3 - "$i" > "step-$i.json" <<'PY'
import json, sys
i = int(sys.argv[1])
level = 0.001 * (1.15 if i >= 40 else 1.0) * (1 + 0.01 * ((i * 7) % 5 - 2) / 2)
print(json.dumps({"results": [{"command": "decode", "mean": level, "user": level, "system": 0,
                                "times": [level * (1 + 0.001 * k) for k in range(10)],
                                "exit_codes": [0] * 10}]}))
PY
  "$(history_builder "$i")" run --name decode --format hyperfine --history steps.sqlite -- cat "step-$i.json" >/dev/null
done
expect 0 "step \+1[45]\.[0-9]% at run 41 " -- "$perfbudget" history --history steps.sqlite
steps=$("$perfbudget" history --history steps.sqlite | grep -c "step " || true)
[[ $steps -eq 1 ]] || fail "$steps steps reported, wanted 1"
# Issue 20's case: 15 runs at 10 ms, then 15 at 20 ms: one step, of about +100 %, at the 16th run;
# and a single 2x run among 30 is an outlier, not a step.
for i in $(seq 0 29); do
  for kind in doubling blip; do
    python3 - "$i" "$kind" > "$kind-$i.json" <<'PY'
import json, sys
i, kind = int(sys.argv[1]), sys.argv[2]
jump = (i >= 15) if kind == "doubling" else (i == 12)
level = 0.010 * (2.0 if jump else 1.0) * (1 + 0.01 * ((i * 7) % 5 - 2) / 2)
print(json.dumps({"results": [{"command": kind, "mean": level, "user": level, "system": 0,
                                "times": [level * (1 + 0.001 * k) for k in range(10)],
                                "exit_codes": [0] * 10}]}))
PY
    "$(history_builder "$i")" run --name "$kind" --format hyperfine --history "$kind.sqlite" -- cat "$kind-$i.json" >/dev/null
  done
done
expect 0 "step \+(9[0-9]|10[0-9]|110)\.[0-9]% at run 16 " -- "$perfbudget" history --history doubling.sqlite
steps=$("$perfbudget" history --history doubling.sqlite | grep -c "step " || true)
[[ $steps -eq 1 ]] || fail "$steps steps in the doubling, wanted 1"
expect 0 "outlier \+(9[0-9]|10[0-9]|110)\.[0-9]% at run 13 .*not a step" -- "$perfbudget" history --history blip.sqlite
steps=$("$perfbudget" history --history blip.sqlite | grep -c "step " || true)
[[ $steps -eq 0 ]] || fail "$steps steps for one slow run, wanted 0"
expect 2 "--runs 0 shows nothing; --all shows every run" -- "$perfbudget" history --history blip.sqlite --runs 0
expect 0 "^blip +10 " -- "$perfbudget" history --history blip.sqlite --runs 10
expect 0 "^blip +30 " -- "$perfbudget" history --history blip.sqlite --all
# The HTML report draws that history's trend with the step marked.
expect 0 "class=\"step-label\">step \+1[45]\.[0-9]%" -- "$perfbudget" report --format html --history steps.sqlite
# The site: an index and a page per benchmark, with the step `perfbudget history` reports (run 41);
# written again in place of itself, never over a directory of other files.
expect 0 "wrote site/index.html and 1 benchmark page$" -- "$perfbudget" report --format site --history steps.sqlite --output site
expect 0 "\+1[45]\.[0-9] % at run 41<" -- cat site/index.html
expect 0 "<tr class=\"step\"><td>41</td>" -- cat site/b0001-decode.html
expect 0 "wrote site/index.html" -- "$perfbudget" report --format site --history steps.sqlite --output site
mkdir -p not-a-site && touch not-a-site/notes.txt
expect 2 "not a site perfbudget wrote .*: not replaced" -- "$perfbudget" report --format site --history steps.sqlite --output not-a-site
[[ -f not-a-site/notes.txt ]] || { echo "FAILED: the site replaced a directory of other files"; failures=$((failures + 1)); }
expect 2 "--format site needs --output DIR" -- "$perfbudget" report --format site --history steps.sqlite
expect 0 "60 runs, 60 results of 1 benchmarks, 0 baselines; .* on disk, 4.80 KiB of it samples \(packed\); .* per run" -- "$perfbudget" history size --history steps.sqlite

# Every report format, from the history and from a result file against a baseline.
for format in md csv json html pytest-benchmark google-benchmark bencher openmetrics; do
  expect 0 "" -- "$perfbudget" report --format "$format" --history steps.sqlite --output "report.$format"
  [[ -s report.$format ]] || fail "report --format $format wrote nothing"
done
expect 0 "compared with baseline 'main'" -- "$perfbudget" report --input quick.json --baseline main --history other.sqlite
expect 0 "^ +60 " -- "$perfbudget" history runs --history steps.sqlite
expect 0 "^perfbudget [0-9]+\.[0-9]+\.[0-9]+" -- "$perfbudget" version

# The history's trends.
expect 0 "^quick +[0-9]+ " -- "$perfbudget" history --budget perfbudget.yml
expect 0 "deleted [0-9]+ runs?" -- "$perfbudget" history prune --keep 1 --budget perfbudget.yml
# Counts are digits only: -1 is not 2^64 - 1, and nothing is pruned or reported.
runs_before=$("$perfbudget" history runs --budget perfbudget.yml | wc -l)
for count in -1 " -1" abc 1x "" 99999999999999999999; do
  expect 2 "--keep takes a whole number such as 10, not '$count'" -- "$perfbudget" history prune --keep "$count" --budget perfbudget.yml
done
expect 2 "--last takes a whole number such as 10, not '-1'" -- "$perfbudget" history runs --last -1 --budget perfbudget.yml
expect 2 "--run takes a run number, not '-1'" -- "$perfbudget" report --run -1 --budget perfbudget.yml
expect 2 "invalid value ' -1' for --runs" -- "$perfbudget" run --runs " -1" -- true
runs_after=$("$perfbudget" history runs --budget perfbudget.yml | wc -l)
[[ $runs_before -eq $runs_after ]] || fail "a refused prune changed the history"

# An imported tool's output that is wrong is named as the command's output, not as perfbudget's
# temporary file.
expect 2 "perfbudget run: the output of 'echo not json':1:[0-9]+: '\[' or '\{' expected" -- "$perfbudget" run --name x --format google-benchmark -- echo not json
expect 2 "the output of 'printf .*': benchmark 'BM_a' \(entry 0\): real_time is -1 ns" -- "$perfbudget" run --name x --format google-benchmark -- printf '{"benchmarks": [{"name": "BM_a", "real_time": -1}]}'
output=$("$perfbudget" run --name x --format google-benchmark -- echo not json 2>&1 || true)
[[ $output != *perfbudget-import-* ]] || fail "a message names the temporary file: $output"
expect 2 "not a perfbudget history or is damaged" -- sh -c "echo garbage-garbage-garbage-garbage-garbage-garbage-garbage-garbage-garbage-garbage-garbage > bad.sqlite; \"$perfbudget\" history --history bad.sqlite"

# The session's reports take their format from the suffix; an unknown one is an error, not a guess.
"$perfbudget" session open sess >/dev/null
expect 2 "report.txt: the report format follows the file's suffix" -- "$perfbudget" session close sess --history sess.sqlite --report report.txt
expect 0 "report: report.html" -- "$perfbudget" session close sess --history sess.sqlite --report report.csv --report report.html
expect 0 "report: run.trace.json" -- "$perfbudget" session close sess --history sess.sqlite --report run.trace.json
expect 0 '"traceEvents"' -- cat run.trace.json

# A session reports what each test decided, with its own budget file, even when the session has
# none (add_perf_test with a per-call BUDGET and no PERFBUDGET_DEFAULT_BUDGET).
"$perfbudget" session open own >/dev/null
expect 1 "^FAIL tight" -- "$perfbudget" run --name tight --runs 2 --warmup 0 --budget perfbudget.yml --session own -- true
expect 0 "^PASS quick" -- "$perfbudget" run --name quick --runs 2 --warmup 0 --budget perfbudget.yml --session own -- true
expect 0 "report: own.md" -- "$perfbudget" session close own --history own.sqlite --report own.md
expect 0 "1 failed" -- cat own.md
expect 0 "<sub>.*$(date -u +%Y-%m-%d) [0-9:]+ UTC" -- cat own.md   # which run it shows
expect 0 "tight.*FAIL" -- cat own.md

# The session directory may be the user's own (PERFBUDGET_SESSION_DIR=.): open removes only the
# perf tests' files of an earlier run, and close reads only those.
mkdir shared && echo '[{"directory": "."}]' > shared/compile_commands.json
echo '{}' > shared/data-0123abcd.json
"$perfbudget" run --name stale --runs 2 --warmup 0 --session shared -- true >/dev/null
expect 0 "stale-[0-9a-f]*.perfbudget-session.json" -- ls shared
expect 0 "old results removed" -- "$perfbudget" session open shared
expect 0 "compile_commands.json" -- ls shared
expect 0 "data-0123abcd.json" -- ls shared
if ls shared | grep -q stale; then fail "session open kept the stale result"; fi
"$perfbudget" run --name fresh --runs 2 --warmup 0 --session shared -- true >/dev/null
if ! "$perfbudget" session close shared --history shared.sqlite > shared.out 2>&1 ||
   ! grep -q "1 benchmark result in this run" shared.out || grep -q "skipping" shared.out; then
  fail "session close read files that are not the perf tests' own:"; cat shared.out
fi

finish "CLI"
