#!/usr/bin/env bash
# Advice and policy from the command line: a budget entry's advice under its failure, and
# policy: {fail_on: ...}, --fail-on and $PERFBUDGET_FAIL_ON deciding what fails, the rest shown
# as a warning with its verdict. Budgets are minutes or nanoseconds: nothing depends on speed.
# Usage: test_policy.sh PATH_TO_PERFBUDGET
set -euo pipefail
tests_cli=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
perfbudget=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
source "$tests_cli/common.sh"
unset PERFBUDGET_FAIL_ON

cat > perfbudget.yml <<'YAML'
version: 1
settings:
  history: state/history.sqlite
budgets:
  quick: {latency: {p95: 10min}, advice: never shown while it passes}
  tight:
    latency: {median: 1ns}
    advice: "Profile with perf record; the tokenizer is the usual suspect"
    link: https://wiki.example.com/perf/tight
  rollout:
    latency: {median: 1ns}
    policy: {fail_on: never}
YAML

expect 0 "ok \(3 budgets\)" -- "$perfbudget" validate perfbudget.yml
run_tight() { "$perfbudget" run --name tight --runs 3 --budget perfbudget.yml "$@" -- true; }
expect 1 "FAIL tight: median .* > 1 ns budget" -- run_tight
grep -qE "^  advice: Profile with perf record; the tokenizer is the usual suspect$" "$expect_output" ||
  fail "no advice under the failure"
grep -qE "^  see: https://wiki.example.com/perf/tight$" "$expect_output" || fail "no link"
expect 0 "PASS quick" -- "$perfbudget" run --name quick --runs 3 --budget perfbudget.yml -- true
grep -q advice "$expect_output" && fail "advice shown for a passing benchmark"

# A breached limit fails under fail_on: critical, not under never; the verdict stays in words.
expect 1 "FAIL tight: median" -- run_tight --fail-on critical
expect 0 "WARN tight: median .* > 1 ns budget \(not failing: fail_on: never\)" -- run_tight --fail-on never
grep -q "advice: Profile" "$expect_output" || fail "no advice under the warning"
expect 0 "WARN tight: median" -- env PERFBUDGET_FAIL_ON=never "$perfbudget" run --name tight --runs 3 --budget perfbudget.yml -- true
# For a person typing it the flag beats the environment.
expect 1 "FAIL tight: median" -- env PERFBUDGET_FAIL_ON=never "$perfbudget" run --name tight --runs 3 --budget perfbudget.yml --fail-on regression -- true
expect 2 "--fail-on must be regression, critical or never, not 'sometimes'" -- run_tight --fail-on sometimes
expect 2 "fail_on 'sometimes' \(--fail-on or \\\$PERFBUDGET_FAIL_ON\) must be regression, critical or never" -- env PERFBUDGET_FAIL_ON=sometimes "$perfbudget" run --name tight --runs 3 --budget perfbudget.yml -- true

# The entry's policy; a flag overrides it.
expect 0 "WARN rollout: median .* \(not failing: fail_on: never\)" -- "$perfbudget" run --name rollout --runs 3 --budget perfbudget.yml --json rollout.json -- true
grep -q '"fail_on": "never"' rollout.json || fail "the result file does not carry the policy"
expect 1 "FAIL rollout: median" -- "$perfbudget" run --name rollout --runs 3 --budget perfbudget.yml --fail-on regression -- true
# check judges a result file the same way.
expect 0 "WARN rollout: median" -- "$perfbudget" check rollout.json --budget perfbudget.yml
expect 1 "FAIL rollout: median" -- "$perfbudget" check rollout.json --budget perfbudget.yml --fail-on critical

# Mistakes in the file are reported where they are.
cat > bad.yml <<'YAML'
version: 1
policy: {fail_on: sometimes}
budgets:
  b: {latency: {median: 1ms}, link: see the wiki}
YAML
expect 2 "bad.yml:2:19: fail_on must be regression, critical or never, not 'sometimes'" -- "$perfbudget" validate bad.yml
grep -q "bad.yml:4:37: link 'see the wiki' must be one URL" "$expect_output" || fail "no link error"

finish policy
