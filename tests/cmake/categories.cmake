# SPDX-License-Identifier: MIT
# Issue 23 under CTest: CATEGORY becomes a label (ctest -L integration selects by it), and
# FAIL_ON or $PERFBUDGET_FAIL_ON turns a breached budget into a warning, its verdict still said.
# A small project built against this build tree's package (export()); budgets are 1 ns or
# minutes, so nothing depends on this machine's speed.
#   cmake -DPERFBUDGET_BINARY_DIR=... -DWORK_DIR=... -DGENERATOR=... -DCTEST_COMMAND=...
#         -P categories.cmake
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/helpers.cmake)
pb_clean_environment()
file(REMOVE_RECURSE ${WORK_DIR})

set(source ${WORK_DIR}/categories)
set(build ${source}/build)
file(MAKE_DIRECTORY ${source})
file(WRITE ${source}/tool.c "int main(void) { return 0; }\n")
file(WRITE ${source}/suite.c "#include <perfbudget/perfbudget.h>
static void empty(perfbudget_state *state) {
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}
static const perfbudget_benchmark_def benchmarks[] = {
    {.name = \"empty\", .run = empty},
    {.name = \"empty_integration\", .run = empty, .category = \"integration\"}};
PERFBUDGET_SUITE_MAIN(\"categories\", benchmarks)
")
file(WRITE ${source}/perfbudget.yml "version: 1
defaults: {max_time: 100ms, min_time: 10ms, rounds: 5}
budgets:
  end_to_end: {latency: {median: 10min}}
  parse:
    latency: {median: 1ns}
    advice: \"Profile with perf record; the parser is the usual suspect\"
  \"*\": {latency: {median: 10min}}
")
file(WRITE ${source}/CMakeLists.txt "cmake_minimum_required(VERSION 3.20)
project(categories LANGUAGES C)
enable_testing()
find_package(perfbudget CONFIG REQUIRED)
set(PERFBUDGET_DEFAULT_BUDGET \${CMAKE_CURRENT_SOURCE_DIR}/perfbudget.yml)
add_executable(tool tool.c)
add_executable(suite suite.c)
target_link_libraries(suite PRIVATE perfbudget::main)
add_perf_test(end_to_end COMMAND tool RUNS 3 CATEGORY integration)
add_perf_test(parse COMMAND tool RUNS 3 CATEGORY unit)
add_perf_test(parse_rollout COMMAND tool RUNS 3 BUDGET_NAME parse FAIL_ON never)
perf_discover_tests(suite CATEGORY nightly)
")
pb_run(configure 0 ${CMAKE_COMMAND} -S ${source} -B ${build} -G ${GENERATOR}
       -Dperfbudget_DIR=${PERFBUDGET_BINARY_DIR})
pb_run(build 0 ${CMAKE_COMMAND} --build ${build})
set(ctest ${CTEST_COMMAND} --test-dir ${build})

pb_run(integration 0 ${ctest} -N -L integration)
pb_expect_match("ctest -L integration lists the integration test" "${integration_OUTPUT}"
                "Test +#[0-9]+: end_to_end\n")
pb_expect_match("... and the suite's benchmark whose def has category integration"
                "${integration_OUTPUT}" "Test +#[0-9]+: empty_integration\n")
pb_expect_no_match("... and not the others" "${integration_OUTPUT}" ": (parse|parse_rollout|empty)\n")
pb_run(nightly 0 ${ctest} -N -L nightly)
pb_expect_match("perf_discover_tests(CATEGORY) labels the suite's tests" "${nightly_OUTPUT}"
                "Test +#[0-9]+: empty\n")
pb_run(not_integration 0 ${ctest} -N -L performance -LE integration)
pb_expect_no_match("-LE integration leaves it out" "${not_integration_OUTPUT}" "end_to_end")

# The breached budget fails, with its advice under the failure; under FAIL_ON never it warns.
pb_run(fails 8 ${ctest} -R "^parse$" --output-on-failure)
pb_expect_match("a breached budget fails" "${fails_OUTPUT}" "FAIL parse: median")
pb_expect_match("its advice under the failure" "${fails_OUTPUT}"
                "FAIL parse: median[^\n]*\n  advice: Profile with perf record")
pb_run(rollout 0 ${ctest} -R "^parse_rollout$" -V)
pb_expect_match("FAIL_ON never: a warning with the verdict" "${rollout_OUTPUT}"
                "WARN parse_rollout: median [^\n]* > 1 ns budget \\(not failing: fail_on: never\\)")
# $PERFBUDGET_FAIL_ON in ctest's environment
set(ENV{PERFBUDGET_FAIL_ON} never)
pb_run(environment 0 ${ctest} -R "^parse$" -V)
pb_expect_match("PERFBUDGET_FAIL_ON=never: a warning" "${environment_OUTPUT}"
                "WARN parse: median")
unset(ENV{PERFBUDGET_FAIL_ON})

# A category is one word.
file(WRITE ${source}/CMakeLists.txt "cmake_minimum_required(VERSION 3.20)
project(categories LANGUAGES C)
enable_testing()
find_package(perfbudget CONFIG REQUIRED)
add_perf_test(bad COMMAND true CATEGORY \"two words\")
")
pb_run(bad nonzero ${CMAKE_COMMAND} -S ${source} -B ${WORK_DIR}/bad -G ${GENERATOR}
       -Dperfbudget_DIR=${PERFBUDGET_BINARY_DIR})
pb_expect_match("CATEGORY must be one word" "${bad_OUTPUT}"
                "add_perf_test\\(bad\\): CATEGORY 'two words' is not one word")

pb_finish(categories)
