# Sourced by the CLI tests, in their working directory: failures are counted, not fatal, so one
# run lists every broken check. The output of the last `expect`ed command stays in
# $expect_output for further checks.
failures=0
expect_output=$PWD/expect-output.txt

fail() { # fail MESSAGE...
  echo "FAILED: $*"
  failures=$((failures + 1))
}

expect() { # expect EXIT_CODE PATTERN -- COMMAND...: the exit code, and PATTERN in the output
  local code=$1 pattern=$2
  shift 3
  local status=0
  "$@" >"$expect_output" 2>&1 || status=$?
  # An empty PATTERN asks only for the exit code (grep finds nothing in an empty file).
  if [[ $status -ne $code ]] || { [[ -n $pattern ]] && ! grep -qE -- "$pattern" "$expect_output"; }; then
    fail "$* (exit $status, wanted $code and /$pattern/)"
    # Both ends of a flood: the verdict comes first, the command's last words last.
    if (($(wc -c <"$expect_output") > 8000)); then
      { head -c 4000 "$expect_output"; echo; echo "[...]"; tail -c 4000 "$expect_output"; } | sed 's/^/    /'
    else
      sed 's/^/    /' "$expect_output"
    fi
  fi
}

finish() { # finish WHAT: the summary line, and exit status 1 when a check failed
  if ((failures)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all $1 checks passed"
}
