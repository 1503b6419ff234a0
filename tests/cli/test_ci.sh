#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The CI integration run locally: the steps of action.yml (read from the file) and the script of
# the GitLab template, with a fake GITHUB_* / CI_* environment, on a git repository with main and
# a branch that makes a perf test 4x slower. The summary and the comment must say what regressed.
# Usage: test_ci.sh PERFBUDGET_CLI PERFBUDGET_BUILD_DIR
set -u
cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
build_dir=$(cd "$2" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/perfbudget-ci-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
check() { # check DESCRIPTION COMMAND...
    if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi
}
contains() { # contains FILE PATTERN [-i], showing the file when it does not
    grep -q ${3:-} -- "$2" "$1" && return 0
    echo "--- $1 lacks '$2':"
    cat "$1" 2>/dev/null
    return 1
}
exited() { # exited EXPECTED ACTUAL LOG, showing the log when they differ
    [ "$2" -eq "$1" ] && return 0
    echo "--- exit status $2, not $1:"
    cat "$3"
    return 1
}

# Only the fake CI environment below: none of this machine's own CI variables.
for name in $(env | sed -n 's/^\(GITHUB_[A-Z_]*\|CI_[A-Z_]*\|PERFBUDGET_[A-Z_]*\)=.*/\1/p' &&
                 env | sed -n 's/^\(RUNNER_[A-Z_]*\)=.*/\1/p'); do
    unset "$name"
done
unset CI GITLAB_CI GITHUB_ACTIONS
mkdir -p "$work/bin"
ln -s "$cli" "$work/bin/perfbudget"
export PATH="$work/bin:$PATH" CMAKE_PREFIX_PATH="$build_dir" NO_COLOR=1

# The project: one perf test whose command sleeps as long as the file delay says.
project=$work/project
mkdir -p "$project"
cd "$project" || exit 2
cat >CMakeLists.txt <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(ci_demo C)
enable_testing()
find_package(perfbudget REQUIRED)
add_perf_test(sleepy COMMAND "sleep $(cat ${CMAKE_SOURCE_DIR}/delay)" SHELL RUNS 8 WARMUP 1)
CMAKE
echo 0.02 >delay
printf 'build/\n.perfbudget/\n*.md\n' >.gitignore
git init -q -b main . && git config user.email ci@example.com && git config user.name ci
git add . && git commit -qm "main: 20 ms"
main_commit=$(git rev-parse HEAD)
git checkout -qb faster-please
echo 0.08 >delay
git commit -qam "branch: 80 ms"

# The action's steps, as action.yml has them: each step's env with ${{ inputs.X }} and
# ${{ github.action_path }} filled in from the inputs given (else their defaults), then its run.
python3 - "$source_dir/action.yml" "$work/action-steps.sh" <<'PY' || exit 2
import re, shlex, sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
given = {"suite": "ctest", "ctest-args": "--test-dir build -L performance",
         "build": "cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null"
                  " && cmake --build build >/dev/null",
         "install": "none"}
inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
unknown = set(given) - set(inputs)
assert not unknown, f"inputs the action does not have: {unknown}"
inputs.update(given)
assert action["runs"]["using"] == "composite"
def fill(text):
    def value(match):
        expression = match.group(1).strip()
        if expression == "github.action_path": return "$ACTION_PATH"
        kind, _, name = expression.partition(".")
        assert kind == "inputs" and name in inputs, f"unexpected expression {expression}"
        return inputs[name]
    return re.sub(r"\$\{\{(.*?)\}\}", value, str(text))
with open(sys.argv[2], "w") as out:
    out.write("set -e\n")
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash", step
        env = " ".join(f"{k}={shlex.quote(fill(v))}" for k, v in step.get("env", {}).items())
        # each step in its own bash, with its env, as the runner does
        out.write(f"echo '::step {step['name']}' >&2\n")
        out.write(f"env {env} bash -e -c {shlex.quote(fill(step['run']))}\n")
PY
check "the action installs, then runs" grep -q "perfbudget-ci.sh\" install" "$work/action-steps.sh"
export ACTION_PATH=$source_dir

# GitHub: main's push job records the run of the merge base; the pull request is compared with it.
git checkout -q main
GITHUB_ACTIONS=true GITHUB_EVENT_NAME=push GITHUB_REF_TYPE=branch GITHUB_REF_NAME=main \
    GITHUB_STEP_SUMMARY=$work/main-summary.md GITHUB_OUTPUT=$work/main-output \
    bash "$work/action-steps.sh" >"$work/main.log" 2>&1
check "main's job passes" exited 0 $? "$work/main.log"
check "main's job writes the summary" contains "$work/main-summary.md" "sleepy"
check "main's job writes no comment" test ! -e perfbudget-comment.md
perfbudget history runs --history .perfbudget/history.sqlite >"$work/runs.txt"
check "main's run is recorded on main" contains "$work/runs.txt" "${main_commit:0:12}  main"

git checkout -q faster-please
GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request GITHUB_BASE_REF=main \
    GITHUB_HEAD_REF=faster-please GITHUB_REF_NAME=1/merge \
    GITHUB_STEP_SUMMARY=$work/pr-summary.md GITHUB_OUTPUT=$work/pr-output \
    bash "$work/action-steps.sh" >"$work/pr.log" 2>&1
check "the pull request's job fails (exit 1)" exited 1 $? "$work/pr.log"
for file in "$work/pr-summary.md" perfbudget-comment.md; do
    check "$file names the regressed test" contains "$file" "sleepy"
    check "$file says it regressed" contains "$file" "regress" -i
    check "$file names the merge base's run" contains "$file" "of commit ${main_commit:0:12}"
    check "$file says the check failed" contains "$file" "perfbudget: failed\*\*"
done
check "the outputs name the comment and the merge base" \
    contains "$work/pr-output" "merge-base=$main_commit"
check "the summary is written once" \
    test "$(grep -c "perfbudget: failed" "$work/pr-summary.md")" -eq 1

# A pull request whose merge base has no run in the history: measured, recorded, nothing compared.
git checkout -q -b unmeasured "$main_commit"
echo 0.021 >delay && git commit -qam "unmeasured base" && git checkout -q -b on-unmeasured
rm -f perfbudget-comment.md
GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request GITHUB_BASE_REF=unmeasured \
    GITHUB_STEP_SUMMARY=$work/unmeasured-summary.md bash "$work/action-steps.sh" \
    >"$work/unmeasured.log" 2>&1
check "no run of the merge base: the job passes" exited 0 $? "$work/unmeasured.log"
check "no run of the merge base: the comment says so" \
    contains perfbudget-comment.md "no run of the merge base .* in .*; nothing compared"

perfbudget history --environments --history .perfbudget/history.sqlite >"$work/types.txt"
# A Release build's runs name it in their fingerprint, which perfbudget's own does not: a
# runner type of its own (the report looks the merge base up for the run's type, not its own).
check "history --environments counts the Release build's 3 runs" \
    grep -Eq "^ +3 +1 +[0-9]+  cpu=.*; build=Release$" "$work/types.txt"

# GitLab: the template's script with its variables, as a job that extends .perfbudget would.
git checkout -q main
python3 - "$source_dir/ci/gitlab/perfbudget.gitlab-ci.yml" "$work/gitlab-job.sh" <<'PY' || exit 2
import shlex, sys, yaml
job = yaml.safe_load(open(sys.argv[1]))[".perfbudget"]
with open(sys.argv[2], "w") as out:
    out.write("set -e\n")
    for name, value in job["variables"].items():  # GitLab expands $VARS in variables
        out.write(f'export {name}="${{{name}_OVERRIDE:-{value}}}"\n')
    for line in job["script"]:
        out.write(line + "\n")
PY
check "the template runs the shared script" grep -q "perfbudget-ci.sh\" run" "$work/gitlab-job.sh"
build_command="cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null"
build_command+=" && cmake --build build >/dev/null"
gitlab() { # a GitLab job: the template's variables, the job's own (*_OVERRIDE), the CI_ ones
    env CI=true GITLAB_CI=true CI_PROJECT_DIR="$project" \
        PERFBUDGET_CI_SOURCE_OVERRIDE="$source_dir" PERFBUDGET_CI_SUITE_OVERRIDE=ctest \
        PERFBUDGET_CI_ARGS_OVERRIDE="--test-dir build -L performance" \
        PERFBUDGET_CI_HISTORY_OVERRIDE=.perfbudget/gitlab.sqlite PERFBUDGET_CI_INSTALL=none \
        PERFBUDGET_CI_BUILD="$build_command" \
        "$@" bash "$work/gitlab-job.sh"
}
rm -f perfbudget-comment.md perfbudget-summary.md
git checkout -q --detach main # GitLab checks out detached
gitlab CI_PIPELINE_SOURCE=push CI_COMMIT_BRANCH=main CI_DEFAULT_BRANCH=main \
    >"$work/gl-main.log" 2>&1
check "GitLab: main's job passes" exited 0 $? "$work/gl-main.log"
perfbudget history runs --history .perfbudget/gitlab.sqlite >"$work/gl-runs.txt"
check "GitLab: main's detached run is recorded on main" \
    contains "$work/gl-runs.txt" "${main_commit:0:12}  main"
rm -f perfbudget-summary.md
git checkout -q --detach faster-please
gitlab CI_PIPELINE_SOURCE=merge_request_event CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main \
    CI_MERGE_REQUEST_DIFF_BASE_SHA="$main_commit" CI_MERGE_REQUEST_IID=7 >"$work/gl-mr.log" 2>&1
check "GitLab: the merge request's job fails (exit 1)" exited 1 $? "$work/gl-mr.log"
for file in perfbudget-summary.md perfbudget-comment.md; do
    check "GitLab: $file names the regressed test" contains "$file" "sleepy"
    check "GitLab: $file says it regressed" contains "$file" "regress" -i
    check "GitLab: $file names the merge base's run" \
        contains "$file" "of commit ${main_commit:0:12}"
done

# A suite that records no run: the report says so, never shows an older run as this one's.
rm -f perfbudget-summary.md
gitlab CI_PIPELINE_SOURCE=merge_request_event CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main \
    CI_MERGE_REQUEST_DIFF_BASE_SHA="$main_commit" \
    PERFBUDGET_CI_ARGS_OVERRIDE="--test-dir build -R no-such-test" >"$work/gl-none.log" 2>&1
check "a suite that records no run: the job fails (exit 2)" exited 2 $? "$work/gl-none.log"
check "a suite that records no run: the summary says so" \
    contains perfbudget-summary.md "No report: the ctest suite recorded no run"
check "a suite that records no run: no older run is shown" \
    test "$(grep -c sleepy perfbudget-summary.md)" -eq 0

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
