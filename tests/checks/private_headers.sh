#!/bin/sh
# SPDX-License-Identifier: MIT
# The front ends (cli/, the CLI, and runner/, the suite runner perfbudget_main) are clients of
# the public API: none includes a private header of the core (core/src/*.h) or names a private
# symbol (perfbudget__*, PERFBUDGET__*), and the build puts no core/src on their include path.
# Exit 1 naming each use.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
front_ends=""
for path in cli runner; do
    [ -e "$path" ] && front_ends="$front_ends $path"
done
[ -n "$front_ends" ] || { echo "no front-end sources found under $root"; exit 2; }
private_headers=$(cd core/src && ls *.h | tr '\n' '|' | sed 's/|$//')
found=0
# shellcheck disable=SC2086 # front_ends is a list of paths without blanks
if grep -rnE "#[[:space:]]*include[[:space:]]*\"([^\"]*/)?($private_headers)\"" \
        --include='*.c' --include='*.h' $front_ends; then
    echo "a front end includes a private header of the core (core/src): use the public headers"
    found=1
fi
# shellcheck disable=SC2086
if grep -rnE '\b(perfbudget|PERFBUDGET)__[A-Za-z0-9_]' --include='*.c' --include='*.h' $front_ends
then
    echo "a front end names a private symbol of the core (perfbudget__*): make it public API"
    found=1
fi
# The build gives them no way to: core/src is not on their include path.
if grep -nE 'target_include_directories\((perfbudget_cli|perfbudget_main)[^)]*core/src' \
        CMakeLists.txt; then
    echo "CMakeLists.txt puts core/src on a front end's include path"
    found=1
fi
[ "$found" -eq 0 ] && echo "the front ends use only the public headers:$front_ends"
exit "$found"
