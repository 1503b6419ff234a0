#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# perfbudget in CI: the one script behind the GitHub Actions action (action.yml) and the GitLab CI
# template (ci/gitlab/perfbudget.gitlab-ci.yml), so both do the same and a test can run it.
#
#   perfbudget-ci.sh install   install perfbudget from this checkout (pip, or cmake for CTest)
#   perfbudget-ci.sh run       run the suite; in a pull/merge request compare it with the run of
#                              its merge base, then write the report
#
# Settings, as environment variables (the action's inputs and the template's variables):
#   PERFBUDGET_CI_SUITE      pytest or ctest
#   PERFBUDGET_CI_ARGS       the suite's arguments, shell-quoted ("tests/perf -q", "--test-dir
#                            build -L performance"); else PERFBUDGET_CI_PYTEST_ARGS or
#                            PERFBUDGET_CI_CTEST_ARGS, whichever is the suite's
#   PERFBUDGET_CI_BUILD      a command run before the suite (e.g. configure and build the
#                            project whose perf tests ctest runs); default: none
#   PERFBUDGET_CI_INSTALL    pip, cmake or none (default: pip for pytest, cmake for ctest)
#   PERFBUDGET_CI_PREFIX     where cmake installs perfbudget (default: $HOME/.local/perfbudget)
#   PERFBUDGET_CI_HISTORY    the history (default .perfbudget/history.sqlite); keep it between
#                            jobs with a cache or an artifact
#   PERFBUDGET_CI_BASE       the branch a pull request goes into (default: $GITHUB_BASE_REF,
#                            $CI_MERGE_REQUEST_TARGET_BRANCH_NAME)
#   PERFBUDGET_CI_COMMENT    the pull-request comment body file (default perfbudget-comment.md)
#   PERFBUDGET_CI_SUMMARY    a file the Markdown report is appended to besides $GITHUB_STEP_SUMMARY
#                            (default: none on GitHub, perfbudget-summary.md elsewhere)
# Exit status: 0 passed; 1 a test failed (a regression, a budget breach); else the suite's status,
# or 2 when perfbudget or the report could not run.
set -u

say() { printf 'perfbudget-ci: %s\n' "$*" >&2; }

source_dir() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

suite=${PERFBUDGET_CI_SUITE:-pytest}
case $suite in
pytest | ctest) ;;
*) say "PERFBUDGET_CI_SUITE is '$suite'; it takes pytest or ctest"; exit 2 ;;
esac

# The libraries perfbudget builds against; on Debian and Ubuntu runners installed when missing.
dependencies() {
    pkg-config --exists jansson yaml-0.1 sqlite3 libcurl 2>/dev/null && return 0
    if command -v apt-get >/dev/null; then
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get update -q && $sudo apt-get install -y -q pkg-config libjansson-dev \
            libyaml-dev libsqlite3-dev libcurl4-openssl-dev && return 0
    fi
    say "perfbudget needs the development files of jansson, libyaml, sqlite3 and libcurl (and pkg-config)"
    return 1
}

install() {
    local how=${PERFBUDGET_CI_INSTALL:-}
    [ -n "$how" ] || { [ "$suite" = pytest ] && how=pip || how=cmake; }
    local src prefix
    src=$(source_dir)
    case $how in
    none) say "install: none asked; using $(command -v perfbudget || echo 'none on PATH')" ;;
    pip) dependencies && python3 -m pip install "$src" || exit 2 ;;
    cmake)
        prefix=${PERFBUDGET_CI_PREFIX:-$HOME/.local/perfbudget}
        local build=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/perfbudget-build
        dependencies &&
            cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
                -DCMAKE_INSTALL_PREFIX="$prefix" -DPERFBUDGET_BUILD_TESTS=OFF \
                -DPERFBUDGET_BUILD_EXAMPLES=OFF -DPERFBUDGET_BUILD_BENCH=OFF &&
            cmake --build "$build" -j 2 && cmake --install "$build" || exit 2
        # Later steps find the CLI and the CMake package (find_package(perfbudget)).
        if [ -n "${GITHUB_PATH:-}" ]; then echo "$prefix/bin" >>"$GITHUB_PATH"; fi
        if [ -n "${GITHUB_ENV:-}" ]; then echo "CMAKE_PREFIX_PATH=$prefix" >>"$GITHUB_ENV"; fi
        ;;
    *) say "PERFBUDGET_CI_INSTALL is '$how'; it takes pip, cmake or none"; exit 2 ;;
    esac
}

# In a pull or merge request: the branch it goes into; empty otherwise.
base_branch() {
    if [ -n "${PERFBUDGET_CI_BASE:-}" ]; then echo "$PERFBUDGET_CI_BASE"
    elif [ "${GITHUB_EVENT_NAME:-}" = pull_request ] ||
        [ "${GITHUB_EVENT_NAME:-}" = pull_request_target ]; then
        echo "${GITHUB_BASE_REF:-}"
    elif [ -n "${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-}" ]; then
        echo "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    fi
}

# The commit where this change left its base branch (GitLab computes it for merge requests).
merge_base() {
    local base=$1
    if [ -n "${CI_MERGE_REQUEST_DIFF_BASE_SHA:-}" ]; then
        echo "$CI_MERGE_REQUEST_DIFF_BASE_SHA"
        return
    fi
    git merge-base HEAD "origin/$base" 2>/dev/null || git merge-base HEAD "$base" 2>/dev/null
}

# The id of the history's newest run; 0 when there is none.
newest_run() {
    perfbudget history runs --last 1 2>/dev/null | awk 'NR == 2 { id = $1 } END { print id + 0 }'
}

run() {
    # Where 'install' put it with cmake, for a CI without GITHUB_PATH (GitLab).
    local prefix=${PERFBUDGET_CI_PREFIX:-$HOME/.local/perfbudget}
    if ! command -v perfbudget >/dev/null && [ -x "$prefix/bin/perfbudget" ]; then
        export PATH="$prefix/bin:$PATH"
        export CMAKE_PREFIX_PATH="$prefix${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
    fi
    if ! command -v perfbudget >/dev/null; then
        say "no perfbudget on PATH (run '$0 install' first)"
        exit 2
    fi
    # Absolute: ctest runs each test in its build directory.
    export PERFBUDGET_HISTORY=${PERFBUDGET_CI_HISTORY:-.perfbudget/history.sqlite}
    case $PERFBUDGET_HISTORY in /*) ;; *) PERFBUDGET_HISTORY=$PWD/$PERFBUDGET_HISTORY ;; esac
    local comment=${PERFBUDGET_CI_COMMENT:-perfbudget-comment.md}
    local summary=${PERFBUDGET_CI_SUMMARY-}
    if [ -z "${GITHUB_ACTIONS:-}${GITHUB_STEP_SUMMARY:-}" ]; then
        summary=${summary:-perfbudget-summary.md}
    fi
    local base sha="" note=""
    base=$(base_branch)
    # CI checks out a push detached (GitLab always): a branch of that name records the run as
    # main's, which a pull request's merge base and its run-to-run spread are looked up by.
    local pushed=${CI_COMMIT_BRANCH:-}
    if [ -z "$pushed" ] && [ -z "$base" ] && [ "${GITHUB_REF_TYPE:-}" = branch ]; then
        pushed=${GITHUB_REF_NAME:-}
    fi
    if [ -z "$base" ] && [ -n "$pushed" ] && ! git symbolic-ref -q HEAD >/dev/null 2>&1; then
        git checkout -q -B "$pushed" ||
            say "could not name the checkout $pushed; the run is recorded without a branch"
    fi
    if [ -n "$base" ]; then
        sha=$(merge_base "$base")
        if [ -z "$sha" ]; then
            note="no merge base with $base found (fetch the history: actions/checkout with"
            note+=" fetch-depth: 0, GIT_DEPTH: 0 on GitLab); nothing compared"
        elif ! perfbudget history --environments --commit "$sha" 2>/dev/null |
            grep -q '^ *runs  hosts'; then
            # No run of it at all (a cache miss, main's job did not run for it). A run of it on
            # another runner type only is left to the suite, which says so and fails.
            note="no run of the merge base ${sha:0:12} ($base) in $PERFBUDGET_HISTORY;"
            note+=" nothing compared"
            sha=""
        fi
    fi
    [ -z "$note" ] || say "$note"
    local -a args
    local words=${PERFBUDGET_CI_ARGS:-}
    if [ -z "$words" ] && [ "$suite" = pytest ]; then words=${PERFBUDGET_CI_PYTEST_ARGS:-}; fi
    if [ -z "$words" ] && [ "$suite" = ctest ]; then words=${PERFBUDGET_CI_CTEST_ARGS:-}; fi
    eval "args=($words)" || { say "PERFBUDGET_CI_ARGS does not parse as shell words"; exit 2; }
    if [ -n "${PERFBUDGET_CI_BUILD:-}" ]; then
        if ! bash -c "$PERFBUDGET_CI_BUILD"; then
            say "the build command failed: $PERFBUDGET_CI_BUILD"
            exit 2
        fi
    fi
    local status before after
    before=$(newest_run)
    (
        # The report below writes the job summary once; the suite's own would repeat it.
        unset GITHUB_STEP_SUMMARY
        if [ -n "$sha" ]; then export PERFBUDGET_REGRESSION=1 PERFBUDGET_BASELINE="commit:$sha"; fi
        if [ "$suite" = pytest ]; then exec python3 -m pytest "${args[@]}"; fi
        exec ctest "${args[@]}"
    )
    status=$?
    after=$(newest_run)
    say "the $suite suite exited with $status"
    # One meaning for both: 1, tests failed (ctest says so with 8).
    if [ "$suite" = ctest ] && [ "$status" -eq 8 ]; then status=1; fi
    # The run just recorded, compared with the merge base's: the comment and the summary.
    local report title="perfbudget: ${suite}${base:+, compared with the merge base on $base}"
    report=$(mktemp) || exit 2
    local -a compare=()
    [ -z "$sha" ] || compare=(--baseline "commit:$sha")
    if [ "$after" -eq "$before" ] ||
        ! GITHUB_STEP_SUMMARY='' perfbudget report --format md --title "$title" --run "$after" \
            "${compare[@]}" --output "$report"; then
        say "no report: the suite recorded no run in $PERFBUDGET_HISTORY"
        printf '## %s\n\nNo report: the %s suite recorded no run (exit status %s).\n' \
            "$title" "$suite" "$status" >"$report"
        [ "$status" -ne 0 ] || status=2
    fi
    [ -z "$note" ] || printf '\n> %s\n' "$note" >>"$report"
    case $status in
    0) printf '\n**perfbudget: passed.**\n' >>"$report" ;;
    1) printf '\n**perfbudget: failed** (a regression, a budget breach or a failing test: above).\n' \
        >>"$report" ;;
    *) printf '\n**perfbudget: the %s suite could not run (exit status %s).**\n' "$suite" "$status" \
        >>"$report" ;;
    esac
    for file in "${GITHUB_STEP_SUMMARY:-}" "$summary"; do
        [ -z "$file" ] || cat "$report" >>"$file"
    done
    if [ -n "$base" ]; then cp "$report" "$comment" && say "pull-request comment body: $comment"; fi
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        {
            if [ -n "$base" ]; then echo "comment-file=$comment"; else echo "comment-file="; fi
            echo "merge-base=$sha"
            echo "status=$status"
        } >>"$GITHUB_OUTPUT"
    fi
    rm -f "$report"
    return "$status"
}

case ${1:-} in
install) install ;;
run) run; exit $? ;;
*) say "usage: $0 install|run"; exit 2 ;;
esac
