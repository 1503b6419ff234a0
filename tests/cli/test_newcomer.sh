#!/usr/bin/env bash
# The command line as a newcomer meets it (issue 18): the help names every report format; run,
# report and baseline find the project's perfbudget.yml from a subdirectory (a build directory)
# as git finds .git, and use the history it names; check prints each comparison once.
# Budgets are minutes, so nothing depends on this machine's speed.
# Usage: test_newcomer.sh PATH_TO_PERFBUDGET
set -euo pipefail
tests_cli=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
perfbudget=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
source "$tests_cli/common.sh"


# --help lists every format perfbudget report takes (one list in the core).
help=$("$perfbudget" --help)
for format in md csv json pytest-benchmark google-benchmark bencher openmetrics html chrome-trace; do
  grep -q -- "$format" <<<"$help" || fail "--help does not list $format"
done

mkdir -p project/build/deeper
cat > project/perfbudget.yml <<'YAML'
version: 1
budgets:
  quick: {latency: {median: 10min}}
YAML
cd project
# run uses ./perfbudget.yml without --budget, and records in the history beside it.
expect 0 "PASS quick: 1 limit met" -- "$perfbudget" run --name quick --runs 2 --warmup 0 -- true
[[ -f .perfbudget/history.sqlite ]] || fail "run did not record beside perfbudget.yml"
# From the build directory (and below), the same budget file and history are found.
cd build/deeper
expect 0 "PASS quick: 1 limit met" -- "$perfbudget" run --name quick --runs 2 --warmup 0 -- true
expect 0 "baseline 'main' saved" -- "$perfbudget" baseline save main
expect 0 "^main +run 2 " -- "$perfbudget" baseline list
expect 0 "quick" -- "$perfbudget" report --format csv
cd ../..
[[ ! -e build/.perfbudget && ! -e build/deeper/.perfbudget ]] || fail "a history was created in the build directory"
# Under --ctest the CMake arguments say which budget applies: none given, none found.
expect 0 "PASS quick: measured; no budget applies" -- "$perfbudget" run --ctest --name quick --runs 2 --warmup 0 -- true

# check RESULT --baseline FILE: each comparison once, and no NaN in it, even where a figure
# cannot be computed (one sample has no confidence interval).
"$perfbudget" run --name quick --runs 1 --warmup 0 --json base.json -- true >/dev/null
"$perfbudget" run --name quick --runs 1 --warmup 0 --baseline base.json --json current.json -- true >/dev/null || true
output=$("$perfbudget" check current.json --baseline base.json 2>&1) || true
comparisons=$(grep -c "regression check: median" <<<"$output" || true)
if [[ $comparisons -ne 1 ]] || grep -q "nan" <<<"$output"; then
  fail "check --baseline printed $comparisons comparisons (want 1) or a NaN:"
  echo "$output" | sed 's/^/    /'
fi

# The CTest session's cleanup records the run in the history of every budget file the perf tests
# named (PerfBudget.cmake lists them, one a line): a per-call BUDGET is enough.
mkdir -p one two session
printf 'version: 1\nbudgets:\n  first: {latency: {median: 10min}}\n' > one/perfbudget.yml
printf 'version: 1\nbudgets:\n  second: {latency: {median: 10min}}\n' > two/perfbudget.yml
expect 0 "PASS first" -- "$perfbudget" run --ctest --name first --runs 2 --warmup 0 --budget one/perfbudget.yml --session session -- true
expect 0 "PASS second" -- "$perfbudget" run --ctest --name second --runs 2 --warmup 0 --budget two/perfbudget.yml --session session -- true
printf '%s\n%s\n' "$PWD/one/perfbudget.yml" "$PWD/two/perfbudget.yml" > budgets.txt
expect 0 "history: run 1 recorded in .*one/.perfbudget/history.sqlite" -- "$perfbudget" session close session --budgets-from budgets.txt
expect 0 "^ +1 .* ctest " -- "$perfbudget" history runs --budget two/perfbudget.yml
expect 0 "warning: .*missing.* is missing" -- "$perfbudget" session close session --budgets-from missing.txt

finish "newcomer CLI"
