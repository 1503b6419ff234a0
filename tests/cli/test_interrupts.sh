#!/usr/bin/env bash
# SIGINT, SIGTERM and SIGHUP to perfbudget while it measures: `perfbudget run`, `perfbudget
# compare --interleave` with commands, and a suite under --ctest (which measures in a child).
# Each must kill the measured command with everything it started (a background child and a
# setsid() daemon included), record nothing (no history run, no result file, no session
# result) and end perfbudget by the same signal: exit status 128 + the signal.
# No timing races: each signal is sent once the measured processes are seen running, and
# their end is awaited with a generous deadline: 30 s, while the commands sleep for 300 s and
# their timeouts are 60 s (compare's default) or 600 s.
# Usage: test_interrupts.sh PATH_TO_PERFBUDGET PATH_TO_SLEEPING_SUITE
set -euo pipefail
perfbudget=$(realpath "$1")
suite=$(realpath "$2")
work=$(mktemp -d)
# A copy of sleep under a name of our own: pgrep -f finds exactly the processes a test started.
sleeper="$work/sleeper"
cleanup() {
  pkill -9 -f "^$sleeper " 2>/dev/null || true
  pkill -9 -f "^$suite " 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
cp "$(command -v sleep)" "$sleeper"
failures=0
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }

# Job control: without it a script's background job starts with SIGINT ignored, and perfbudget
# leaves a signal ignored by whoever started it ignored (as nohup relies on for SIGHUP).
set -m

sleepers() { pgrep -f "^$sleeper " | wc -l; }
suites() { pgrep -f "^$suite " | wc -l; }
at_least() { [[ $($1) -ge $2 ]]; }
none() { [[ $($1) -eq 0 ]]; }
ended() { # ended PID: gone, or a zombie waiting for us to collect its status
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  [[ ${stat:0:1} == Z || ${stat:0:1} == X ]]
}
wait_for() { # wait_for SECONDS CONDITION...: poll until CONDITION holds; 1 at the deadline
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    (($(date +%s) < deadline)) || return 1
    sleep 0.05
  done
}

# interrupt WHAT SIGNAL PROCESSES -- COMMAND...: start COMMAND in the background, wait until
# PROCESSES sleepers run, send SIGNAL, then check the exit status and that nothing is left.
interrupt() {
  local what=$1 signal=$2 processes=$3
  shift 4
  "$@" > out.txt 2>&1 &
  local pid=$! status=0
  if ! wait_for 60 at_least sleepers "$processes"; then
    fail "$what: $(sleepers) of $processes processes started"
    cat out.txt
  fi
  kill -s "$signal" "$pid"
  # The signal itself must end it, not the command's end or its timeout.
  if ! wait_for 30 ended "$pid"; then
    fail "$what: SIG$signal: perfbudget still runs 30 s after the signal"
    kill -9 "$pid"
  fi
  wait "$pid" || status=$?
  local want=$((128 + $(kill -l "$signal")))
  [[ $status -eq $want ]] || fail "$what: SIG$signal: exit status $status, wanted $want"
  grep -q "interrupted by SIG$signal" out.txt ||
    fail "$what: SIG$signal: no message; output: $(head -c 2000 out.txt)"
  if wait_for 30 none sleepers && wait_for 30 none suites; then
    echo "ok: $what: SIG$signal ended it with status $status, nothing left running"
  else
    fail "$what: SIG$signal: $(sleepers) measured and $(suites) suite process(es) left running"
    pkill -9 -f "^$sleeper " || true
  fi
}

# The command: a background child, a setsid() daemon, and itself sleeping, all for 300 s.
family='"$0" 300 & setsid "$0" 300 & exec "$0" 300'
for signal in INT TERM HUP; do
  interrupt "run" "$signal" 3 -- \
    "$perfbudget" run --history h.sqlite --json "run-$signal.json" --name "interrupted" \
    --runs 2 --warmup 0 --timeout 600s -- sh -c "$family" "$sleeper"
  interrupt "run --format" "$signal" 3 -- \
    "$perfbudget" run --history h.sqlite --format hyperfine --name "imported" --timeout 600s -- \
    sh -c "$family" "$sleeper"
  interrupt "compare --interleave" "$signal" 3 -- \
    "$perfbudget" compare --interleave --json "compare-$signal.json" \
    --baseline-command "\"$sleeper\" 300 & setsid \"$sleeper\" 300 & exec \"$sleeper\" 300" \
    --candidate-command true
  "$perfbudget" session open "session-$signal" > /dev/null
  interrupt "suite --ctest" "$signal" 2 -- \
    env SLEEPER="$sleeper" "$suite" --ctest --timeout 600s --session "session-$signal" \
    --history h.sqlite
done

# Nothing half-done was recorded.
if [[ -e h.sqlite ]]; then
  runs=$("$perfbudget" history runs --history h.sqlite | tail -n +2 | wc -l)
  [[ $runs -eq 0 ]] || fail "the interrupted runs left $runs run(s) in the history"
fi
leftovers=$(find . -name '*.json' | sort | tr '\n' ' ') # results, in a session too
[[ -z $leftovers ]] || fail "interrupted runs wrote: $leftovers"
echo "ok: no history run, result file or session result from an interrupted run"

# An ignored signal stays ignored (nohup): SIGHUP to a run started with it ignored.
set +m
(trap '' HUP; exec "$perfbudget" run --runs 1 --warmup 0 --name kept --history kept.sqlite -- \
  sh -c 'exec "$0" 2' "$sleeper" > kept.txt 2>&1) &
pid=$!
wait_for 60 at_least sleepers 1 || fail "nohup: the command did not start"
kill -HUP "$pid" 2>/dev/null || true # ignored: whenever it arrives, the run goes on
status=0
wait "$pid" || status=$?
[[ $status -eq 0 ]] && grep -q "^PASS kept" kept.txt ||
  fail "an ignored SIGHUP ended the run: exit $status, $(cat kept.txt)"
echo "ok: an ignored SIGHUP stays ignored (exit $status)"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all interrupt checks passed"
