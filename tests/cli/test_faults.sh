#!/usr/bin/env bash
# Faulty benchmarks end to end through `perfbudget run`: a command that crashes, aborts, hangs,
# fails, floods its output, leaves processes behind (daemons included) or closes its output.
# Each must fail with a reason that names what happened, leave nothing running, and not stop
# the runs after it. Nothing here depends on this machine's speed: the only limits are a
# 0.5 s timeout on a command that sleeps for 300 s, and generous bounds on how long that takes.
# Usage: test_faults.sh PATH_TO_PERFBUDGET
set -euo pipefail
tests_cli=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
perfbudget=$(realpath "$1")
work=$(mktemp -d)
cleanup() {
  # Should a check fail, its strays must not outlive the test either.
  for f in "$work"/*.pid; do [[ -f $f ]] && while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$f"; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
source "$tests_cli/common.sh"

# Running, not a zombie: an orphan's zombie waits for whoever adopted it to reap it.
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z && ${stat:0:1} != X ]]
}

expect_no_strays() { # expect_no_strays WHAT PIDFILE: every pid the command wrote is gone
  local what=$1 file=$2 pid n=0
  [[ -s $file ]] || { fail "$what: the command wrote no pid to $file"; return; }
  while read -r pid; do
    n=$((n + 1))
    if running "$pid"; then
      fail "$what: process $pid still runs"
      kill -9 "$pid" 2>/dev/null || true
    fi
  done < "$file"
  echo "ok: $what: $n process(es) started, none left"
}

run() { "$perfbudget" run --runs 2 --warmup 0 "$@"; }

# ---- crashes, aborts, non-zero exits: the signal or the code, by name ----
expect 1 "^FAIL crash: measured run 1 of 2 killed by signal 11 \(SIGSEGV: .*\)" -- \
  run --name crash -- python3 -c "import ctypes; ctypes.string_at(0)"
expect 1 "^FAIL abort: measured run 1 of 2 killed by signal 6 \(SIGABRT: .*\)" -- \
  run --name abort -- python3 -c "import os; os.abort()"
expect 1 "^FAIL exit7: measured run 1 of 2 exited with code 7" -- run --name exit7 -- sh -c 'exit 7'
expect 1 "^FAIL killed: measured run 1 of 2 killed by signal 9 \(SIGKILL" -- \
  run --name killed -- sh -c 'kill -9 $$'
expect 1 "^FAIL missing: measured run 1 of 2 cannot start '/nonexistent/benchmark'" -- \
  run --name missing -- /nonexistent/benchmark
# ---- options that cannot work: said before anything runs, exit 2 ----
expect 2 "^perfbudget run: working directory '/nonexistent/dir' does not exist$" -- \
  run --cwd /nonexistent/dir -- true
touch a_file
expect 2 "^perfbudget run: working directory 'a_file' is not a directory$" -- \
  run --cwd a_file -- true
expect 2 "^perfbudget run: --timeout must be more than 0" -- run --timeout 0 -- true
expect 2 "^perfbudget run: --timeout must be more than 0" -- run --timeout 0ms -- true

# ---- a hang: killed at its timeout, with everything it started ----
start=$(date +%s%N)
expect 1 "^FAIL hang: measured run 1 of 2 timed out after 0.5 s \(process group killed\)" -- \
  run --name hang --timeout 500ms -- sh -c 'echo $$ > hang.pid; sleep 300 & echo $! >> hang.pid; wait'
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
# Generous: the point is that the hang ends, not how fast (about 0.5 s plus start-up here).
((elapsed_ms < 60000)) || fail "the 0.5 s timeout took ${elapsed_ms} ms to end the run"
echo "ok: a 300 s hang with a 0.5 s timeout ended after ${elapsed_ms} ms in all"
expect_no_strays "hang" hang.pid

# ---- megabytes on stdout and stderr: the tail shown, the rest counted, memory bounded ----
expect 1 "^\[\.\.\. 16711692 bytes not shown \.\.\.\]" -- \
  run --name flood -- sh -c 'head -c 8388608 /dev/zero | tr "\0" o; head -c 8388608 /dev/zero | tr "\0" e >&2; echo; echo last words >&2; exit 1'
grep -q "^last words" "$expect_output" || fail "flood: the end of the output is not shown"
size=$(wc -c < "$expect_output")
((size < 100000)) || fail "flood: ${size} bytes of report for a failing run"
grep -q "^FAIL flood: measured run 1 of 2 exited with code 1" "$expect_output" || fail "flood: no verdict first"
echo "ok: 16 MiB of output: ${size} bytes shown"
# Printing a lot is not a fault: a command that prints 64 MiB and succeeds is measured as any other.
expect 0 "^PASS loud: measured" -- run --name loud -- sh -c 'head -c 67108864 /dev/zero'
size=$(wc -c < "$expect_output")
((size < 100000)) || fail "loud: ${size} bytes of report for a passing run"

# ---- processes left behind: in the group, a daemon after setsid(), one with a clean environment
expect 1 "^FAIL background: .*left processes running after it exited \(they were killed\)" -- \
  run --name background -- sh -c 'sleep 300 & echo $! >> background.pid'
expect_no_strays "a background child" background.pid
expect 1 "^FAIL daemon: .*left processes running after it exited \(they were killed; some had left its process group\)" -- \
  run --name daemon -- sh -c '(setsid sh -c "trap \"\" HUP TERM; echo \$\$ >> daemon.pid; exec sleep 300" &)
                              while [ ! -s daemon.pid ]; do sleep 0.01; done'
expect_no_strays "a setsid() daemon (double fork)" daemon.pid
# env -i drops the marker: the CLI, the subreaper of its commands, still finds and kills it.
expect 0 "^PASS scrubbed" -- \
  run --name scrubbed -- sh -c 'n=$(cat scrubbed.pid 2>/dev/null | wc -l)
                                (setsid env -i sh -c "echo \$\$ >> scrubbed.pid; exec sleep 300" &)
                                while [ "$(cat scrubbed.pid 2>/dev/null | wc -l)" -le "$n" ]; do sleep 0.01; done'
expect_no_strays "a setsid() daemon with a clean environment" scrubbed.pid
expect 1 "^FAIL failed_daemon: .*exited with code 5" -- \
  run --name failed_daemon -- sh -c '(setsid sleep 300 & echo $! >> failed.pid); exit 5'
expect_no_strays "a daemon of a failing command" failed.pid

# ---- a command that closes its stdout ----
expect 0 "^PASS closer" -- run --name closer -- sh -c 'exec >&- 2>&-; exit 0'
expect 1 "^FAIL closer_writes: .*exited with code 1" -- \
  run --name closer_writes -- sh -c 'exec >&-; echo lost || { echo "stdout is gone" >&2; exit 1; }'
grep -q "stdout is gone" "$expect_output" || fail "closer_writes: the command's stderr is not shown"

# ---- perfbudget's own stdout closed or full: exit 2 and say so, never a silent pass ----
status=0
"$perfbudget" run --name quick --runs 1 -- true >&- 2>err.txt || status=$?
[[ $status -eq 2 ]] && grep -q "cannot write to standard output: it is closed" err.txt ||
  fail "stdout closed: exit $status, $(cat err.txt)"
if [[ -w /dev/full ]]; then
  status=0
  "$perfbudget" run --name quick --runs 1 -- true >/dev/full 2>err.txt || status=$?
  [[ $status -eq 2 ]] && grep -qE "cannot write to standard output: (No space left|an earlier write failed)" err.txt ||
    fail "stdout full: exit $status, $(cat err.txt)"
fi

# ---- the rest still runs: a session with failures in it keeps every result ----
"$perfbudget" session open sess > /dev/null
for name in first crash_in_session second; do
  command=(true)
  [[ $name == crash_in_session ]] && command=(sh -c 'kill -SEGV $$')
  "$perfbudget" run --ctest --session sess --name "$name" --runs 2 --warmup 0 -- "${command[@]}" > /dev/null || true
done
expect 0 "crash_in_session +FAILED: measured run 1 of 2 killed by signal 11" -- \
  "$perfbudget" session close sess --json all.json --history sess.sqlite
python3 - all.json <<'PY' || fail "the session lost results around a crash"
import json, sys
results = {b["name"]: b["status"] for b in json.load(open(sys.argv[1]))["benchmarks"]}
want = {"first": "ok", "crash_in_session": "failed", "second": "ok"}
sys.exit(0 if results == want else f"results: {results}, wanted {want}")
PY

finish "fault"
