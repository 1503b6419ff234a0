# SPDX-License-Identifier: MIT
# Sourced by the scripts that need a PostgreSQL server: exits 77 (skipped) when
# PERFBUDGET_TEST_POSTGRESQL names none, 1 under CI=true (where scripts/test always starts one)
# or without psql; else sets server to the connection string.
server=${PERFBUDGET_TEST_POSTGRESQL:-}
if [[ -z $server ]]; then
  if [[ ${CI:-} == true ]]; then
    echo "FAILED: CI=true and PERFBUDGET_TEST_POSTGRESQL is unset (scripts/test starts a server)"
    exit 1
  fi
  echo "skipped: no PostgreSQL server (PERFBUDGET_TEST_POSTGRESQL is unset; tests/postgresql/start starts one)"
  exit 77
fi
command -v psql >/dev/null || { echo "$(basename "$0") needs psql (postgresql-client)"; exit 1; }
