#!/usr/bin/env bash
# The history in PostgreSQL through the CLI, against the server PERFBUDGET_TEST_POSTGRESQL names
# (tests/postgresql/start; scripts/test starts one): chosen by --history, PERFBUDGET_HISTORY and
# settings.history; no password in any message; 8 concurrent writers x 10 runs leave exactly 80
# runs; `history copy` from SQLite to PostgreSQL and back keeps runs, baseline names and samples
# bit for bit, and copying again adds nothing. Skipped (77) without a server, failed without one
# under CI=true.
# Usage: test_postgresql.sh PATH_TO_PERFBUDGET
set -euo pipefail
tests_cli=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
perfbudget=$(realpath "$1")
source "$tests_cli/../postgresql/require.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
source "$tests_cli/common.sh"

# A URI whose schema is cli_NAME, made empty: each check starts from an empty history.
schema() {
  psql -q "$server" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS cli_$1 CASCADE; CREATE SCHEMA cli_$1" >/dev/null
  local separator='?'
  [[ $server == *\?* ]] && separator='&'
  echo "$server${separator}options=-csearch_path%3Dcli_$1"
}
runs_in() { psql -qtA "$(schema_uri "$1")" -c "SELECT count(*) FROM runs"; }
schema_uri() { local separator='?'; [[ $server == *\?* ]] && separator='&'; echo "$server${separator}options=-csearch_path%3Dcli_$1"; }

# ---- chosen by --history, PERFBUDGET_HISTORY and settings.history ------------------------------
uri=$(schema select)
expect 0 "recorded in postgresql://" -- "$perfbudget" run --name a --runs 3 --warmup 0 --history "$uri" -- true
expect 0 "recorded in postgresql://" -- env PERFBUDGET_HISTORY="$uri" "$perfbudget" run --name a --runs 3 --warmup 0 -- true
cat > perfbudget.yml <<YAML
version: 1
settings:
  history: "$uri"
budgets:
  quick: {latency: {p95: 10min}}
YAML
expect 0 "recorded in postgresql://" -- "$perfbudget" run --name a --runs 3 --warmup 0 -- true
rm perfbudget.yml
[[ $(runs_in select) == 3 ]] || fail "3 runs recorded, $(runs_in select) in the database"
expect 0 "^a +3 " -- "$perfbudget" history --history "$uri"
expect 0 "saved" -- "$perfbudget" baseline save main --history "$uri"
expect 0 "^main +run 3" -- "$perfbudget" baseline list --history "$uri"
expect 0 "3 runs, 3 results of 1 benchmarks, 1 baselines" -- "$perfbudget" history size --history "$uri"

# ---- no password in any message -----------------------------------------------------------------
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
expect 0 "history postgresql://perfbudget:\*\*\*@127.0.0.1:$closed/x: cannot connect" -- env PERFBUDGET_SPOOL_DIR="$work/closed" \
  "$perfbudget" run --name a --runs 2 --warmup 0 --history "postgresql://perfbudget:s3cret@127.0.0.1:$closed/x" -- true
grep -q s3cret "$expect_output" && fail "the password was printed: $(cat "$expect_output")"

# ---- 8 concurrent writers x 10 runs: exactly 80 -------------------------------------------------
uri=$(schema writers)
pids=()
for writer in 1 2 3 4 5 6 7 8; do
  (for i in $(seq 10); do
     "$perfbudget" run --name "w$writer" --runs 2 --warmup 0 --history "$uri" -- true >/dev/null 2>&1 || echo failed
   done) > "writer-$writer.out" &
  pids+=($!)
done
wait "${pids[@]}"
grep -q failed writer-*.out && fail "a concurrent writer failed"
[[ $(runs_in writers) == 80 ]] || fail "8 writers x 10 runs left $(runs_in writers) runs, not 80"

# ---- history copy: SQLite -> PostgreSQL -> SQLite, bit for bit, twice ---------------------------
for i in 1 2 3; do
  "$perfbudget" run --name decode --runs 5 --warmup 0 --history start.sqlite -- true >/dev/null 2>&1
  "$perfbudget" run --name encode --runs 4 --warmup 0 --history start.sqlite -- true >/dev/null 2>&1
done
"$perfbudget" baseline save release --history start.sqlite >/dev/null
uri=$(schema copy)
expect 0 "copied 6 runs; 0 were there already" -- "$perfbudget" history copy --from start.sqlite --to "$uri"
expect 0 "copied 0 runs; 6 were there already" -- "$perfbudget" history copy --from start.sqlite --to "$uri"
[[ $(runs_in copy) == 6 ]] || fail "two copies left $(runs_in copy) runs, not 6"
expect 0 "copied 6 runs; 0 were there already" -- "$perfbudget" history copy --from "$uri" --to back.sqlite
expect 0 "copied 0 runs; 6 were there already" -- "$perfbudget" history copy --from "$uri" --to back.sqlite
dump() { # every stored value of a history file, samples as hex
  python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(
        "SELECT u.id, u.created_ns, u.source, u.git_commit, u.branch, u.dirty, u.environment, "
        "b.name, b.identity, r.status, r.message, r.n, r.median, r.p95, hex(r.samples), "
        "r.metrics, r.custom_metrics, r.verdict, r.stages, hex(r.cpu_samples), r.sample_encoding "
        "FROM results r JOIN runs u ON u.id = r.run_id JOIN benchmarks b ON b.id = r.benchmark_id "
        "ORDER BY u.id, b.name"):
    print(repr(row))
for row in db.execute("SELECT name, run_id, created_ns FROM baselines ORDER BY name"):
    print(repr(row))
for row in db.execute("SELECT name, mode, run_id FROM baseline_modes ORDER BY name, mode"):
    print(repr(row))
PY
}
dump start.sqlite > start.dump
dump back.sqlite > back.dump
[[ $(wc -l < start.dump) -ge 8 ]] || fail "the history to copy holds too little: $(cat start.dump)"
cmp -s start.dump back.dump || fail "the round trip changed the history: $(diff start.dump back.dump | head -20)"
expect 0 "copied 0 runs; 6 were there already" -- "$perfbudget" history copy --from back.sqlite --to "$uri"
expect 2 "give --from HISTORY and --to HISTORY" -- "$perfbudget" history copy --from start.sqlite

# ---- nothing lost when the database cannot be reached: the spool -------------------------------
# A database that is not there yet is a server that cannot take the run: it waits in the spool.
offline=perfbudget_spool_$$
export PGOPTIONS="-c client_min_messages=warning"
psql -q "$server" -c "DROP DATABASE IF EXISTS $offline" >/dev/null
offline_uri="${server%/*}/$offline"
export PERFBUDGET_SPOOL_DIR=$work/spool
expect 0 "the run is kept in $work/spool/run-[0-9]+-[0-9]+\.json and is sent to postgresql://.*$offline the next time" -- \
  "$perfbudget" run --name kept --runs 3 --warmup 0 --history "$offline_uri" -- true
grep -q "PASS kept" "$expect_output" || fail "the verdict did not stand: $(cat "$expect_output")"
expect 0 "kept in" -- "$perfbudget" run --name kept --runs 3 --warmup 0 --history "$offline_uri" -- true
[[ $(ls spool/*.run | wc -l) == 2 ]] || fail "the spool holds $(ls spool) rather than 2 runs"
expect 2 "the others stay in" -- "$perfbudget" history push --history "$offline_uri"
psql -q "$server" -c "CREATE DATABASE $offline" >/dev/null
cp -r spool spool.before
expect 0 "sent 2 runs from the spool" -- "$perfbudget" history push --history "$offline_uri"
expect 0 "sent 0 runs" -- "$perfbudget" history push --history "$offline_uri"
[[ $(psql -qtA "$offline_uri" -c "SELECT count(*) FROM runs") == 2 ]] || fail "push did not record the 2 spooled runs"
# A crash between a run's commit and the removal of its files leaves them in the spool: sent
# again, they add nothing, and leave the spool.
cp spool.before/* spool/
expect 0 "sent 0 runs" -- "$perfbudget" history push --history "$offline_uri"
[[ $(psql -qtA "$offline_uri" -c "SELECT count(*) FROM runs") == 2 ]] || fail "runs left in the spool after their commit were recorded twice"
[[ -z $(ls spool) ]] || fail "the runs sent before stayed in the spool: $(ls spool)"
expect 0 "kept in" -- "$perfbudget" run --name kept --runs 3 --warmup 0 --history "${offline_uri}_gone" -- true
expect 0 "^history: run 3 recorded" -- "$perfbudget" run --name kept --runs 3 --warmup 0 --history "$offline_uri" -- true
[[ $(ls spool/*.run | wc -l) == 1 ]] || fail "another history's spooled run was sent or lost: $(ls spool)"
psql -q "$server" -c "DROP DATABASE $offline" >/dev/null

finish "PostgreSQL"
