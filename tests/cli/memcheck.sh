#!/usr/bin/env bash
# perfbudget under valgrind memcheck, as a drop-in for the binary: test_cli.sh takes this script
# as its PATH_TO_PERFBUDGET (ctest: cli.memcheck). Any memcheck error, and any definite or
# indirect leak, makes the command exit 99, which no check of test_cli.sh expects.
# Environment: MEMCHECK_VALGRIND (valgrind) and MEMCHECK_TARGET (the perfbudget binary).
# Only perfbudget is instrumented: the commands it runs (--trace-children=no) run natively.
exec "$MEMCHECK_VALGRIND" --tool=memcheck --quiet --error-exitcode=99 \
  --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
  --track-fds=no --child-silent-after-fork=yes "$MEMCHECK_TARGET" "$@"
