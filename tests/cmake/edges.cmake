# SPDX-License-Identifier: MIT
# Rough edges a newcomer met (issue 18), each on a small project written here and built against
# this build tree's package (export()):
#   - no enable_testing(): configuring warns (and stays quiet with BUILD_TESTING OFF, or with
#     enable_testing() after the perf tests);
#   - add_perf_test(... COMMAND tool) before add_executable(tool) runs the target;
#   - a second perf_discover_tests() on one target has its own DEF_SOURCE_LINE;
#   - an instructions limit does not skip the time-mode tests;
#   - a Debug build warns in the test output and records its build type; the suite knows its
#     build type, so a hand run compares with a baseline recorded under ctest.
#   cmake -DPERFBUDGET_BINARY_DIR=... -DWORK_DIR=... -DGENERATOR=... -DCTEST_COMMAND=...
#         -P edges.cmake
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/helpers.cmake)
pb_clean_environment()
file(REMOVE_RECURSE ${WORK_DIR})

set(tool_source "#include <stdio.h>\nint main(void) { puts(\"ok\"); return 0; }\n")
set(suite_source "#include <perfbudget/perfbudget.h>
static void empty(perfbudget_state *state) {
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}
static const perfbudget_benchmark_def benchmarks[] = {{.name = \"empty\", .run = empty}};
PERFBUDGET_SUITE_MAIN(\"edges\", benchmarks)
")
# Limits minutes above anything measured here; an instructions limit no run can breach.
set(budget "version: 1
defaults: {max_time: 100ms, min_time: 10ms, rounds: 5}
budgets:
  \"*\":
    latency: {median: 10min}
    instructions: 1000000000000
")

function(write_project dir cmake_text)
  file(MAKE_DIRECTORY ${dir})
  file(WRITE ${dir}/CMakeLists.txt "${cmake_text}")
  file(WRITE ${dir}/tool.c "${tool_source}")
  file(WRITE ${dir}/suite.c "${suite_source}")
  file(WRITE ${dir}/perfbudget.yml "${budget}")
endfunction()

set(head "cmake_minimum_required(VERSION 3.20)\nproject(edges LANGUAGES C)\n")

# ---- testing not enabled: a warning; BUILD_TESTING OFF or a later enable_testing(): none ----
write_project(${WORK_DIR}/untested "${head}find_package(perfbudget CONFIG REQUIRED)
add_executable(tool tool.c)
add_perf_test(timed COMMAND tool)
")
pb_run(untested 0 ${CMAKE_COMMAND} -S ${WORK_DIR}/untested -B ${WORK_DIR}/untested/build
       -G ${GENERATOR} -Dperfbudget_DIR=${PERFBUDGET_BINARY_DIR})
pb_expect_match("without enable_testing() configuring warns" "${untested_OUTPUT}"
                "add_perf_test\\(timed\\): testing is not enabled in[ \n]+[^ ]*untested")

write_project(${WORK_DIR}/off "${head}include(CTest)
find_package(perfbudget CONFIG REQUIRED)
add_executable(tool tool.c)
add_perf_test(timed COMMAND tool)
")
pb_run(off 0 ${CMAKE_COMMAND} -S ${WORK_DIR}/off -B ${WORK_DIR}/off/build -G ${GENERATOR}
       -Dperfbudget_DIR=${PERFBUDGET_BINARY_DIR} -DBUILD_TESTING=OFF)
pb_expect_no_match("BUILD_TESTING OFF is deliberate: no warning" "${off_OUTPUT}"
                   "testing is not enabled")

write_project(${WORK_DIR}/late "${head}find_package(perfbudget CONFIG REQUIRED)
add_executable(tool tool.c)
add_perf_test(timed COMMAND tool)
enable_testing()
")
pb_run(late 0 ${CMAKE_COMMAND} -S ${WORK_DIR}/late -B ${WORK_DIR}/late/build -G ${GENERATOR}
       -Dperfbudget_DIR=${PERFBUDGET_BINARY_DIR})
pb_expect_no_match("enable_testing() after the perf tests: no warning" "${late_OUTPUT}"
                   "testing is not enabled")

# ---- the main project: Debug, a command before its target, two discoveries of one suite ----
set(source ${WORK_DIR}/edges)
set(build ${source}/build)
write_project(${source} "${head}enable_testing()
find_package(perfbudget CONFIG REQUIRED)
set(budget \${CMAKE_CURRENT_SOURCE_DIR}/perfbudget.yml)
add_perf_test(early COMMAND tool BUDGET \${budget} RUNS 2 WARMUP 0)
add_executable(tool tool.c)
add_executable(suite suite.c)
target_link_libraries(suite PRIVATE perfbudget::main)
perf_discover_tests(suite TEST_PREFIX \"first.\" BUDGET \${budget})
perf_discover_tests(suite TEST_PREFIX \"second.\" BUDGET \${budget} EXTRA_ARGS --rounds 5)
")
pb_run(configure 0 ${CMAKE_COMMAND} -S ${source} -B ${build} -G ${GENERATOR}
       -DCMAKE_BUILD_TYPE=Debug -Dperfbudget_DIR=${PERFBUDGET_BINARY_DIR})
pb_expect_no_match("a project with enable_testing() gets no warning" "${configure_OUTPUT}"
                   "CMake Warning")
pb_run(build 0 ${CMAKE_COMMAND} --build ${build})
set(ctest ${CTEST_COMMAND} --test-dir ${build})

pb_run(json 0 ${ctest} --show-only=json-v1)
pb_line_of(first_line ${source}/CMakeLists.txt "TEST_PREFIX \"first.\"")
pb_line_of(second_line ${source}/CMakeLists.txt "TEST_PREFIX \"second.\"")
pb_test_properties(first "${json_OUTPUT}" first.empty)
pb_test_properties(second "${json_OUTPUT}" second.empty)
pb_has_def_source_line(first_def "${first_DEF_SOURCE_LINE}" ${build}
                       "${source}/CMakeLists.txt:${first_line}")
pb_has_def_source_line(second_def "${second_DEF_SOURCE_LINE}" ${build}
                       "${source}/CMakeLists.txt:${second_line}")
if(NOT first_def OR NOT second_def)
  pb_fail("DEF_SOURCE_LINE: first.empty '${first_DEF_SOURCE_LINE}' (want line ${first_line}), "
          "second.empty '${second_DEF_SOURCE_LINE}' (want line ${second_line})")
else()
  message(STATUS "ok: each perf_discover_tests() call on one target has its own DEF_SOURCE_LINE")
endif()

pb_run(tests 0 ${ctest} -L performance -V)
pb_expect_match("a command named before add_executable() runs the target" "${tests_OUTPUT}"
                "[0-9]+: PASS early: ")
foreach(test early first.empty second.empty)
  pb_expect_match("${test} passes: an instructions limit does not skip a time-mode test"
                  "${tests_OUTPUT}" "Test +#[0-9]+: ${test} \\.+ +Passed")
endforeach()
pb_expect_match("a Debug command warns after its verdict" "${tests_OUTPUT}"
                "PASS early: [^\n]*\n(.*\n)*[0-9]+: \\*\\*\\*WARNING\\*\\*\\* tool was built as Debug")
pb_expect_match("a Debug suite warns" "${tests_OUTPUT}"
                "[0-9]+: \\*\\*\\*WARNING\\*\\*\\* the suite was built as Debug")
file(READ ${build}/perfbudget-results.json results)
pb_expect_match("the results record the build type" "${results}" "\"build_type\": \"Debug\"")

# By hand, the suite compares with the baseline the ctest run recorded: same fingerprint.
pb_run(by_hand 0 ${build}/suite --budget ${source}/perfbudget.yml --baseline latest)
pb_expect_match("a hand run finds the ctest run on its environment" "${by_hand_OUTPUT}"
                "baseline: the latest result of each benchmark on this environment")
pb_expect_match("a hand run warns before its table" "${by_hand_OUTPUT}"
                "^\\*\\*\\*WARNING\\*\\*\\* the suite was built as Debug")

pb_finish("edges")
