#!/usr/bin/env bash
# Faults lose nothing, in PostgreSQL (issue 22): writers killed with SIGKILL at every point of a
# run leave only whole runs (every run has all its 20 results); a series of 20 runs with the
# server stopped 5 times in between, once with a run in flight, leaves the runs it could not take
# in the spool, and after restart the spool is sent: exactly 20 runs, each once. The server
# stopped and started is one of the test's own (tests/postgresql/start), not the shared one.
# On that server too: a role given only the grants docs/history.md "For a fleet" lists records,
# reads, saves a baseline and compares with it, and prunes with DELETE.
# Skipped (77) without PERFBUDGET_TEST_POSTGRESQL, failed without it under CI=true.
# Usage: test_postgresql_faults.sh PATH_TO_PERFBUDGET PATH_TO_WIDE_SUITE
# FAULT_SERIES=N (a multiple of 5, at least 20; default 20): the series' length, e.g. 100.
set -euo pipefail
tests_cli=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
perfbudget=$(realpath "$1")
wide_suite=$(realpath "$2")
source "$tests_cli/../postgresql/require.sh"
work=$(mktemp -d)
pg_dir=
trap 'cd / && [[ -n $pg_dir ]] && "$tests_cli/../postgresql/stop" "$pg_dir"; rm -rf "$work"' EXIT
cd "$work"
source "$tests_cli/common.sh"
export PGOPTIONS="-c client_min_messages=warning"

# A server of this test's own, to stop and start.
{ read -r pg_dir; read -r uri; } < <(cd / && "$tests_cli/../postgresql/start")
[[ -n $uri ]] || { echo "FAILED: tests/postgresql/start started no server"; exit 1; }
bin=
for candidate in "$(command -v pg_config >/dev/null && pg_config --bindir 2>/dev/null)" \
                 /usr/lib/postgresql/*/bin; do
  [[ -n $candidate && -x $candidate/pg_ctl ]] && { bin=$candidate; break; }
done
as_owner=()
[[ $(id -u) -eq 0 ]] && as_owner=(runuser -u nobody --)
server_stop() { (cd / && "${as_owner[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null); }
server_start() { # from /, which the server's owner may enter
  (cd / && "${as_owner[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $(cat "$pg_dir/port") -k $pg_dir -c fsync=off" start >/dev/null)
}
sql() { psql -qtA "$uri" -c "$1"; }

# ---- SIGKILL at every point of a run: only whole runs -----------------------------------------
# A run of the wide suite is 20 results; one run to the end shows what a whole run is, then
# writers killed after 0.05 s, 0.10 s, ... up to well past a run's length, so some die while
# measuring, some while writing, some not at all.
expect 0 "" -- "$wide_suite" --min-time 2ms --history "$uri"
whole=$(sql "SELECT count(*) FROM results")
[[ $whole == 20 ]] || fail "a whole run is not 20 results but $whole"
for delay in $(seq 0.05 0.05 1.5); do
  "$wide_suite" --min-time 2ms --history "$uri" >/dev/null 2>&1 &
  writer=$!
  sleep "$delay"
  kill -KILL "$writer" 2>/dev/null || true
  wait "$writer" 2>/dev/null || true
done
partial=$(sql "SELECT count(*) FROM runs u WHERE (SELECT count(*) FROM results r WHERE r.run_id = u.id) <> 20")
[[ $partial == 0 ]] || fail "$partial runs of the killed writers are not whole (20 results each)"
orphans=$(sql "SELECT count(*) FROM results r WHERE NOT EXISTS (SELECT 1 FROM runs u WHERE u.id = r.run_id)")
[[ $orphans == 0 ]] || fail "$orphans results without their run"
echo "killed writers: $(sql "SELECT count(*) FROM runs") whole runs recorded, none partial"

# ---- the server stopped 5 times in a series of 20 runs: 0 lost, none twice ----------------------
# Each run is named after its place in the series, so a run sent twice shows twice.
series=${FAULT_SERIES:-20}
[[ $series =~ ^[0-9]+$ ]] && ((series >= 20 && series % 5 == 0)) ||
  { echo "FAULT_SERIES must be a multiple of 5, at least 20, not '$series'" >&2; exit 2; }
gap=$((series / 5)) # stopped at run 2 of every gap runs, started again at its last
sql "CREATE DATABASE series" >/dev/null
series_uri="${uri%/*}/series"
export PERFBUDGET_SPOOL_DIR=$work/spool
stops=0
for i in $(seq -w 1 "$series"); do
  # With 20: stopped before runs 02, 06, 10, 14 and 18, up again before runs 04, 08, ... 20.
  if ((10#$i % gap == 2)); then
    if ((10#$i == 2 * gap + 2)); then
      # This once, with a run in flight: it may be opened before the stop and write after it.
      "$perfbudget" run --name "series-$i" --runs 4 --warmup 0 --history "$series_uri" -- sleep 0.2 \
        >"run-$i.out" 2>&1 &
      in_flight=$!
      sleep 0.3
      server_stop
      wait "$in_flight" || fail "run $i, with the server stopped in flight, failed: $(cat "run-$i.out")"
      stops=$((stops + 1))
      continue
    fi
    server_stop
    stops=$((stops + 1))
  fi
  if ((10#$i % gap == 0)); then server_start; fi
  where="^history: run [0-9]+ recorded" # the server is up; the stopped one's spool runs
  ((10#$i % gap >= 2)) && where="the run is kept in $work/spool/"
  expect 0 "$where" -- "$perfbudget" run --name "series-$i" --runs 2 --warmup 0 --history "$series_uri" -- true
done
((stops == 5)) || fail "the server was stopped $stops times, not 5"
expect 0 "sent [0-9]+ runs from the spool" -- "$perfbudget" history push --history "$series_uri"
[[ -z $(ls spool/*.run 2>/dev/null) ]] || fail "runs are left in the spool: $(ls spool)"
runs=$(psql -qtA "$series_uri" -c "SELECT count(*) FROM runs")
names=$(psql -qtA "$series_uri" -c "SELECT count(DISTINCT b.name) FROM results r JOIN benchmarks b
                                      ON b.id = r.benchmark_id")
results=$(psql -qtA "$series_uri" -c "SELECT count(*) FROM results")
[[ $runs == "$series" && $names == "$series" && $results == "$series" ]] ||
  fail "$series runs with the server stopped 5 times left $runs runs, $results results of $names" \
       "benchmarks (not $series each)"
echo "series: $runs runs of $series recorded, $names distinct"

# ---- the least a role needs: docs/history.md, "For a fleet" -------------------------------------
sql "CREATE DATABASE fleet" >/dev/null
sql "CREATE ROLE recorder LOGIN" >/dev/null
fleet_uri="${uri%/*}/fleet"
recorder_uri="postgresql://recorder@${uri#postgresql://*@}"
recorder_uri="${recorder_uri%/*}/fleet"
psql -qX -v ON_ERROR_STOP=1 "$fleet_uri" >/dev/null <<'SQL'
REVOKE CONNECT ON DATABASE fleet FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE fleet TO recorder;
GRANT USAGE ON SCHEMA public TO recorder;
SQL
expect 0 "kept in" -- "$perfbudget" run --name fleet --runs 2 --warmup 0 --history "$recorder_uri" -- true
expect 0 "^history: run 1 recorded" -- \
  "$perfbudget" run --name fleet --runs 2 --warmup 0 --history "$fleet_uri" -- true
psql -qX -v ON_ERROR_STOP=1 "$fleet_uri" >/dev/null <<'SQL'
GRANT SELECT ON perfbudget_schema TO recorder;
GRANT SELECT, INSERT, UPDATE ON runs, benchmarks, results, baselines, baseline_modes TO recorder;
GRANT USAGE ON SEQUENCE runs_id_seq, benchmarks_id_seq TO recorder;
SQL
expect 0 "^history: run [0-9]+ recorded in postgresql://recorder@" -- \
  "$perfbudget" run --name fleet --runs 2 --warmup 0 --history "$recorder_uri" -- true
grep -qE "runs? kept in the spool .* sent" "$expect_output" ||
  fail "the spooled run was not sent: $(cat "$expect_output")"
expect 0 "saved" -- "$perfbudget" baseline save main --history "$recorder_uri"
expect 0 "recorded" -- \
  "$perfbudget" run --name fleet --runs 2 --warmup 0 --baseline main --history "$recorder_uri" -- true
expect 0 "^fleet +4 " -- "$perfbudget" history --history "$recorder_uri"
expect 2 "permission denied for table runs" -- "$perfbudget" history prune --keep 1 --history "$recorder_uri"
psql -qX "$fleet_uri" -c "GRANT DELETE ON runs, benchmarks TO recorder" >/dev/null
expect 0 "deleted 2 runs" -- "$perfbudget" history prune --keep 1 --history "$recorder_uri"

finish "PostgreSQL faults"
