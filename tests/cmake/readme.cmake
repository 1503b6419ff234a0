# SPDX-License-Identifier: MIT
# The README's CMake example, built from the README text itself: every fenced block after a
# `<!-- readme-test: FILE -->` comment is written to FILE in an empty directory, then the lines of
# the block marked `<!-- readme-test: run -->` run there as shown, with cmake and ctest from
# PATH and perfbudget found through CMAKE_PREFIX_PATH (this build tree's package, export()).
#   cmake -DPERFBUDGET_SOURCE_DIR=... -DPERFBUDGET_BINARY_DIR=... -DWORK_DIR=... -DGENERATOR=...
#         -DCTEST_COMMAND=... -P readme.cmake
# Checks what a newcomer relies on: configuring says nothing about testing, ctest finds and runs
# every test, a per-call BUDGET is enough for the run to reach the history (a second run under
# PERFBUDGET_REGRESSION=1 compares with it), and the session's summary agrees with ctest.
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/helpers.cmake)
pb_clean_environment()

set(project ${WORK_DIR}/project)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${project})

# ---- the README's blocks, by their markers ----
file(READ ${PERFBUDGET_SOURCE_DIR}/README.md readme)
string(REPLACE "\r" "" readme "${readme}")
set(rest "${readme}")
set(run_block "")
set(written "")
while(rest MATCHES "<!-- readme-test: ([^ ]+) -->\n```[a-z]*\n")
  set(file_name "${CMAKE_MATCH_1}")
  string(FIND "${rest}" "${CMAKE_MATCH_0}" at)
  string(LENGTH "${CMAKE_MATCH_0}" marker_length)
  math(EXPR body_start "${at} + ${marker_length}")
  string(SUBSTRING "${rest}" ${body_start} -1 rest)
  string(FIND "${rest}" "```" end)
  if(end EQUAL -1)
    message(FATAL_ERROR "FAILED: README block for ${file_name} is not closed")
  endif()
  string(SUBSTRING "${rest}" 0 ${end} body)
  string(SUBSTRING "${rest}" ${end} -1 rest)
  if(file_name STREQUAL "run")
    set(run_block "${body}")
  else()
    file(WRITE ${project}/${file_name} "${body}")
    list(APPEND written ${file_name})
  endif()
endwhile()
foreach(needed CMakeLists.txt perfbudget.yml)
  if(NOT needed IN_LIST written)
    message(FATAL_ERROR "FAILED: the README has no block marked readme-test: ${needed}")
  endif()
endforeach()
if(run_block STREQUAL "")
  message(FATAL_ERROR "FAILED: the README has no block marked readme-test: run")
endif()
message(STATUS "ok: README blocks written: ${written}")

# ---- run the README's commands as shown ----
get_filename_component(cmake_dir ${CMAKE_COMMAND} DIRECTORY)
get_filename_component(ctest_dir ${CTEST_COMMAND} DIRECTORY)
set(ENV{PATH} "${cmake_dir}:${ctest_dir}:$ENV{PATH}")
set(ENV{CMAKE_PREFIX_PATH} "${PERFBUDGET_BINARY_DIR}")
set(ENV{CMAKE_GENERATOR} "${GENERATOR}")
string(REGEX REPLACE "\n$" "" run_block "${run_block}")
string(REPLACE "\n" ";" commands "${run_block}")

function(readme_commands prefix)
  set(output "")
  foreach(command IN LISTS commands)
    message(STATUS "$ ${command}")
    execute_process(COMMAND sh -c "${command}" WORKING_DIRECTORY ${project}
                    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
    string(APPEND output "${out}")
    # ctest's status depends on the machine's speed against the README's budgets; configuring
    # and building must succeed.
    if(NOT command MATCHES "^ctest" AND NOT result EQUAL 0)
      message(FATAL_ERROR "FAILED: `${command}` exited with ${result}:\n${out}")
    endif()
  endforeach()
  set(${prefix}_OUTPUT "${output}" PARENT_SCOPE)
endfunction()

readme_commands(first)
pb_expect_no_match("configuring warns about nothing" "${first_OUTPUT}" "CMake Warning")
pb_expect_no_match("ctest finds the tests" "${first_OUTPUT}" "No tests were found")
pb_expect_match("the command's test ran" "${first_OUTPUT}"
                "Test +#[0-9]+: decode_frame \\.+[^\n]*(Passed|Failed)")
pb_expect_match("the suite's benchmark was discovered and ran" "${first_OUTPUT}"
                "Test +#[0-9]+: decode_block \\.+[^\n]*(Passed|Failed)")
pb_expect_match("the session's cleanup ran" "${first_OUTPUT}"
                "perfbudget.session.close \\.+ +Passed")
# (The file alone proves nothing: a suite opens the history before measuring.)
execute_process(COMMAND ${PERFBUDGET_BINARY_DIR}/perfbudget history runs
                        --history ${project}/.perfbudget/history.sqlite
                OUTPUT_VARIABLE runs ERROR_VARIABLE runs)
pb_expect_match("with per-call BUDGET only, the run reaches the history beside the budget file"
                "${runs}" "\n +1 +[-0-9]+ [0-9:]+ +ctest ")

# The session's own verdicts agree with ctest's: as many failed as ctest failed.
set(build ${project}/build)
execute_process(COMMAND ${CTEST_COMMAND} --test-dir ${build} -L performance -V
                RESULT_VARIABLE result OUTPUT_VARIABLE verbose ERROR_VARIABLE verbose)
string(REGEX MATCHALL "\n[0-9]+/[0-9]+ Test +#[0-9]+: [^\n]*\\*\\*\\*Failed" failed_lines
       "${verbose}")
list(LENGTH failed_lines ctest_failed)
string(REGEX MATCHALL "[0-9]+: FAIL [^\n]*" fail_verdicts "${verbose}")
list(LENGTH fail_verdicts perf_failed)
if(NOT ctest_failed EQUAL perf_failed)
  pb_fail("ctest failed ${ctest_failed} test(s) but perfbudget said FAIL ${perf_failed} time(s):\n"
          "${verbose}")
else()
  message(STATUS "ok: ctest and the verdicts agree (${ctest_failed} failed)")
endif()

# A second run compares with the first: the history is found from the per-call BUDGET.
set(ENV{PERFBUDGET_REGRESSION} 1)
execute_process(COMMAND ${CTEST_COMMAND} --test-dir ${build} -L performance -V
                OUTPUT_VARIABLE regression ERROR_VARIABLE regression)
unset(ENV{PERFBUDGET_REGRESSION})
pb_expect_match("PERFBUDGET_REGRESSION=1 compares with the latest run" "${regression}"
                "[0-9]+: baseline: the latest result of each benchmark on this environment")
pb_expect_match("PERFBUDGET_REGRESSION=1 compares decode_frame" "${regression}"
                "[0-9]+:   [a-zA-Z]+ regression check: median (cpu time )?[0-9.]+ [^ ]*s vs")
pb_expect_no_match("PERFBUDGET_REGRESSION=1 finds a baseline" "${regression}"
                   "nothing to compare with")

# ---- docs/c-api.md's suite, from the page's text, built and run ----
set(api ${WORK_DIR}/c-api)
file(MAKE_DIRECTORY ${api})
file(READ ${PERFBUDGET_SOURCE_DIR}/docs/c-api.md page)
if(NOT page MATCHES "<!-- doc-test: ([^ ]+) -->\n```c\n")
  message(FATAL_ERROR "FAILED: docs/c-api.md has no block marked doc-test")
endif()
set(suite_file "${CMAKE_MATCH_1}")
string(FIND "${page}" "${CMAKE_MATCH_0}" at)
string(LENGTH "${CMAKE_MATCH_0}" marker_length)
math(EXPR at "${at} + ${marker_length}")
string(SUBSTRING "${page}" ${at} -1 body)
string(FIND "${body}" "```" end)
string(SUBSTRING "${body}" 0 ${end} body)
file(WRITE ${api}/${suite_file} "${body}")
get_filename_component(suite_name ${suite_file} NAME_WE)
file(WRITE ${api}/CMakeLists.txt "cmake_minimum_required(VERSION 3.16)
project(c_api LANGUAGES C)
find_package(perfbudget CONFIG REQUIRED)
add_executable(${suite_name} ${suite_file})
target_link_libraries(${suite_name} PRIVATE perfbudget::main)
")
pb_run(api_configure 0 ${CMAKE_COMMAND} -S ${api} -B ${api}/build -DCMAKE_BUILD_TYPE=Release)
pb_run(api_build 0 ${CMAKE_COMMAND} --build ${api}/build)
pb_run(api_list 0 ${api}/build/${suite_name} --list)
pb_expect_match("docs/c-api.md's suite lists its benchmarks" "${api_list_OUTPUT}"
                "^parse_number\nstrlen_4k\n$")
pb_run(api_run 0 ${api}/build/${suite_name} --max-time 50ms --min-time 10ms --rounds 5)
pb_expect_match("docs/c-api.md's suite runs" "${api_run_OUTPUT}" "strlen_4k")

pb_finish("README and docs/c-api.md")
