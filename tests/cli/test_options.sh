#!/usr/bin/env bash
# Every subcommand's options come from one table (issue 21): its --help lists each option the
# command has always taken, each listed option is known to the parser, an unknown option is an
# error that names it, and docs/cli.md shows each help as the command prints it.
# Usage: test_options.sh PATH_TO_PERFBUDGET
set -euo pipefail
tests_cli=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
docs=$(realpath "$tests_cli/../../docs/cli.md")
perfbudget=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
source "$tests_cli/common.sh"

declare -A options=(
  [run]="--name --warmup --runs --timeout --shell --processes --cpu --cwd --bench-version
         --format --output --time --budget --budget-name --baseline --history --force
         --threshold --fail-on --json --ctest --session"
  [check]="--budget --budget-name --baseline --history --force --threshold --fail-on --json
           --ctest --session"
  [compare]="--interleave --baseline-command --candidate-command --name --filter --seconds
             --pairs --threshold --json"
  [session]="--json --budget --history --budgets-from --report"
  [history]="--benchmark --runs --last --all --since --min-change --environments --commit
             --keep --from --to --history --budget"
  [baseline]="--run --name --history --budget"
  [report]="--format --output --run --input --baseline --title --history --budget"
  [validate]=""
)

for command in "${!options[@]}"; do
  expect 0 "^usage: perfbudget $command" -- "$perfbudget" "$command" --help
  help=$(cat "$expect_output")
  for option in ${options[$command]} --help --version; do
    grep -qE -- "^  $option( |\$)" <<<"$help" || fail "perfbudget $command --help does not list $option"
  done
  # -h is --help's alias everywhere.
  expect 0 "^usage: perfbudget $command" -- "$perfbudget" "$command" -h
  # Each listed option is one the parser knows (alone: a value is missing, or it runs).
  for option in $(grep -oE -- "^  --[a-z-]+" <<<"$help"); do
    "$perfbudget" "$command" "$option" >out.txt 2>&1 </dev/null || true
    if grep -q "unknown option" out.txt; then
      fail "perfbudget $command refuses its own $option: $(head -c 300 out.txt)"
    fi
  done
  expect 2 "^perfbudget $command: unknown option --no-such-option \(see --help\)" -- \
    "$perfbudget" "$command" --no-such-option
  # The help in the docs is the help the command prints.
  documented=$(awk -v heading="\$ perfbudget $command --help" \
    '$0 == heading {inside = 1; next} inside && /^```/ {exit} inside {print}' "$docs")
  [[ "$documented" == "$help" ]] ||
    fail "docs/cli.md differs from perfbudget $command --help: $(diff <(echo "$documented") <(echo "$help") | head -20)"
done

# An option that takes a value says so when it has none, naming the option.
expect 2 "perfbudget report: --title needs a value" -- "$perfbudget" report --title
expect 2 "perfbudget history: --since needs a value" -- "$perfbudget" history --since
# A value an option refuses is named with the option.
expect 2 "perfbudget compare: invalid value 'x' for --pairs" -- "$perfbudget" compare --interleave --pairs x
expect 2 "perfbudget check: invalid threshold 'x'" -- "$perfbudget" check r.json --threshold x
# An option given beats its variable, which is read only without it.
expect 2 "perfbudget compare: invalid PERFBUDGET_THRESHOLD 'x'" -- \
  env PERFBUDGET_THRESHOLD=x "$perfbudget" compare --interleave a.so b.so
expect 2 "give two suite modules" -- \
  env PERFBUDGET_THRESHOLD=x "$perfbudget" compare --interleave a.so --threshold 5
# Arguments no command takes are named.
expect 2 "perfbudget check: unexpected argument 'b.json' \(see --help\)" -- "$perfbudget" check a.json b.json
expect 2 "perfbudget history: unexpected argument 'sideways' \(see --help\)" -- "$perfbudget" history sideways
expect 2 "perfbudget run: unexpected argument 'true': the command goes after --" -- "$perfbudget" run true
expect 2 "perfbudget history: --from and --to go with history copy" -- "$perfbudget" history --from a.sqlite
# Options may come before or after the positional arguments, and "-" alone is an argument.
expect 2 "^usage: perfbudget baseline" -- "$perfbudget" baseline export NAME
expect 2 "unknown option -x" -- "$perfbudget" baseline export NAME -x
# The wrong number of arguments shows the command's help on stderr.
expect 2 "^usage: perfbudget validate FILE" -- "$perfbudget" validate
# --version works in every subcommand.
expect 0 "^perfbudget [0-9]" -- "$perfbudget" history --version

finish options
