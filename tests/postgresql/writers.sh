#!/usr/bin/env bash
# 8 concurrent writers x N runs against one PostgreSQL database (PERFBUDGET_TEST_POSTGRESQL,
# tests/postgresql/start), through each front end that records runs:
#   pytest  8 processes, each running a one-test pytest session N times with --perf-history URI
#   ctest   8 build trees of a one-test add_perf_test project, each running ctest N times with
#           PERFBUDGET_HISTORY=URI (the session's cleanup records the run)
# Each leaves exactly 8 x N runs in a schema of its own, every run whole (its one result), and
# prints how long it took. The regular tests run ctest with N = 10 (cli.postgresql_ctest_writers)
# and pytest with N = 5 (tests/python/test_postgresql_writers.py: a pytest session is seconds of
# CPU); docs/history.md gives the figures of larger N.
# Usage: tests/postgresql/writers.sh [--runs N] [--front pytest|ctest|both] [BUILD_DIR]
#   BUILD_DIR: perfbudget's build tree, for ctest (default build); pytest runs $PYTHON (default
#   python3), which must import the perfbudget plugin. Exits 77 without a server (1 under
#   CI=true).
set -euo pipefail
runs=100 front=both build=build
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --front) front=$2; shift 2 ;;
    *) build=$1; shift ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "writers.sh: --runs takes a positive number" >&2; exit 2; }
[[ $front == pytest || $front == ctest || $front == both ]] ||
  { echo "writers.sh: --front pytest, ctest or both" >&2; exit 2; }
source "$(dirname "${BASH_SOURCE[0]}")/require.sh"
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[[ $front == pytest ]] || build=$(realpath "$build")
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PGOPTIONS="-c client_min_messages=warning"
failures=0

# A URI whose schema is writers_NAME_PID, made empty: this script's own, so that two runs of it
# on one server (ctest's and pytest's) cannot drop each other's tables.
schema() {
  psql -qX "$server" -c "DROP SCHEMA IF EXISTS writers_$1_$$ CASCADE; CREATE SCHEMA writers_$1_$$" >/dev/null
  local separator='?'
  [[ $server == *\?* ]] && separator='&'
  echo "$server${separator}options=-csearch_path%3Dwriters_$1_$$"
}

# Counts the runs of the schema, and the runs that are not whole (not exactly 1 result).
check() {
  local name=$1 uri=$2 seconds=$3 counts
  counts=$(psql -qtAX "$uri" -c "SELECT count(*), count(*) FILTER (WHERE (SELECT count(*) FROM \
results r WHERE r.run_id = u.id) <> 1) FROM runs u")
  local total=${counts%|*} partial=${counts#*|}
  echo "$name: 8 writers x $runs runs: $total runs recorded ($partial not whole) in ${seconds} s"
  if [[ $total != $((8 * runs)) || $partial != 0 ]]; then
    echo "FAILED: $name: expected exactly $((8 * runs)) whole runs"
    failures=$((failures + 1))
  fi
}

# Runs `writer K` for K = 1..8 at once, each `runs` times; a failed run is reported.
all_writers() {
  local pids=() k
  for k in 1 2 3 4 5 6 7 8; do
    (for ((i = 0; i < runs; i++)); do
       writer "$k" >"$work/writer-$k.log" 2>&1 || { echo "run $i failed:"; cat "$work/writer-$k.log"; }
     done) >"$work/writer-$k.failures" &
    pids+=($!)
  done
  wait "${pids[@]}"
  local failed
  failed=$(cat "$work"/writer-*.failures)
  rm -f "$work"/writer-*
  if [[ -n $failed ]]; then
    echo "FAILED: a writer failed:"; head -40 <<<"$failed"
    failures=$((failures + 1))
  fi
}

if [[ $front == pytest || $front == both ]]; then
  mkdir "$work/pytest"
  cat >"$work/pytest/test_tiny.py" <<'PY'
import pytest


@pytest.mark.performance
def test_tiny(perf):
    perf.pedantic(sum, args=(range(10),), rounds=5)
PY
  uri=$(schema pytest)
  # The plugin from its entry point when installed, else from the path (PYTHONPATH).
  plugin=()
  "$python" -c "import importlib.metadata as m, sys; sys.exit(not any(e.name == 'perfbudget' \
for e in m.entry_points(group='pytest11')))" || plugin=(-p perfbudget.plugin)
  writer() {
    cd "$work/pytest" &&
      "$python" -m pytest -q -p no:cacheprovider "${plugin[@]}" --perf-history "$uri" test_tiny.py
  }
  start=$(date +%s.%N)
  all_writers
  check pytest "$uri" "$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")"
fi

if [[ $front == ctest || $front == both ]]; then
  mkdir -p "$work/ctest/project"
  cat >"$work/ctest/project/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16...3.31)
project(writers LANGUAGES NONE)
enable_testing()
find_package(perfbudget CONFIG REQUIRED)
add_perf_test(tiny COMMAND true RUNS 3 WARMUP 0
              BUDGET ${CMAKE_CURRENT_SOURCE_DIR}/perfbudget.yml)
CMAKE
  printf 'version: 1\nbudgets:\n  tiny: {latency: {p95: 10min}}\n' >"$work/ctest/project/perfbudget.yml"
  for k in 1 2 3 4 5 6 7 8; do
    cmake -S "$work/ctest/project" -B "$work/ctest/build-$k" -Dperfbudget_DIR="$build" \
      >"$work/ctest/configure.log" 2>&1 || { cat "$work/ctest/configure.log"; exit 1; }
  done
  uri=$(schema ctest)
  writer() { PERFBUDGET_HISTORY=$uri ctest --test-dir "$work/ctest/build-$1" --output-on-failure; }
  start=$(date +%s.%N)
  all_writers
  check ctest "$uri" "$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")"
fi

psql -qX "$server" -c "DROP SCHEMA IF EXISTS writers_pytest_$$ CASCADE; DROP SCHEMA IF EXISTS writers_ctest_$$ CASCADE" >/dev/null
[[ $failures == 0 ]] || exit 1
echo "ok: concurrent writers"
