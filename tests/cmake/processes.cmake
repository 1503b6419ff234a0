# SPDX-License-Identifier: MIT
# PROCESSES and CPU under CTest (issue 21), as pytest's --perf-processes and --perf-cpu: with
# PROCESSES 3 the result pools three processes and keeps each one's median (process_median_<i>,
# which the judge measures the spread between processes by); with CPU n the command, or the
# suite's measuring thread, runs on CPU n alone (its own /proc status says so).
# A small project built against this build tree's package (export()); budgets are minutes, so
# nothing depends on this machine's speed.
#   cmake -DPERFBUDGET_BINARY_DIR=... -DWORK_DIR=... -DGENERATOR=... -DCTEST_COMMAND=...
#         -P processes.cmake
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/helpers.cmake)
pb_clean_environment()
file(REMOVE_RECURSE ${WORK_DIR})

# The highest CPU this process may use: pinned there, a process shows only that one.
file(STRINGS /proc/self/status allowed REGEX "^Cpus_allowed_list:")
string(REGEX MATCH "[0-9]+$" cpu "${allowed}")

set(source ${WORK_DIR}/processes)
set(build ${source}/build)
file(MAKE_DIRECTORY ${source})
file(WRITE ${source}/tool.c "int main(void) { return 0; }\n")
file(WRITE ${source}/suite.c "#include <stdio.h>
#include <string.h>
#include <perfbudget/perfbudget.h>
static void empty(perfbudget_state *state) {
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}
/* Writes the CPUs the measuring thread may use, as the kernel shows them. */
static void affinity(perfbudget_state *state) {
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
    char line[256], found[256] = \"\";
    FILE *status = fopen(\"/proc/thread-self/status\", \"r\");
    while (status != NULL && fgets(line, sizeof line, status) != NULL)
        if (strncmp(line, \"Cpus_allowed_list:\", 18) == 0) strcpy(found, line);
    if (status != NULL) fclose(status);
    FILE *out = fopen(\"suite_cpus.txt\", \"a\");
    if (out != NULL) fputs(found, out), fclose(out);
}
static const perfbudget_benchmark_def benchmarks[] = {
    {.name = \"empty\", .run = empty}, {.name = \"affinity\", .run = affinity}};
PERFBUDGET_SUITE_MAIN(\"processes\", benchmarks)
")
file(WRITE ${source}/perfbudget.yml "version: 1
defaults: {max_time: 50ms, min_time: 5ms, rounds: 5}
budgets:
  \"*\": {latency: {median: 10min}}
")
file(WRITE ${source}/CMakeLists.txt "cmake_minimum_required(VERSION 3.20)
project(processes LANGUAGES C)
enable_testing()
find_package(perfbudget CONFIG REQUIRED)
set(PERFBUDGET_DEFAULT_BUDGET \${CMAKE_CURRENT_SOURCE_DIR}/perfbudget.yml)
add_executable(tool tool.c)
add_executable(suite suite.c)
target_link_libraries(suite PRIVATE perfbudget::main)
add_perf_test(spread COMMAND tool RUNS 3 WARMUP 0 PROCESSES 3)
add_perf_test(pinned SHELL COMMAND \"grep Cpus_allowed_list /proc/self/status >> pinned_cpus.txt\"
              RUNS 2 WARMUP 0 CPU ${cpu})
perf_discover_tests(suite PROCESSES 3 CPU ${cpu})
")
pb_run(configure 0 ${CMAKE_COMMAND} -S ${source} -B ${build} -G ${GENERATOR}
       -Dperfbudget_DIR=${PERFBUDGET_BINARY_DIR})
pb_run(build 0 ${CMAKE_COMMAND} --build ${build})
pb_run(tests 0 ${CTEST_COMMAND} --test-dir ${build} --output-on-failure)

# Each test's result in the session's results file: three process medians.
file(READ ${build}/perfbudget-results.json results)
string(JSON count LENGTH "${results}" benchmarks)
set(seen "")
math(EXPR last "${count} - 1")
foreach(i RANGE 0 ${last})
  string(JSON name GET "${results}" benchmarks ${i} name)
  string(JSON samples LENGTH "${results}" benchmarks ${i} samples)
  set(medians "")
  string(JSON metrics ERROR_VARIABLE none GET "${results}" benchmarks ${i} custom_metrics)
  set(metric_count 0)
  if(NOT none)
    string(JSON metric_count LENGTH "${metrics}")
  endif()
  if(metric_count GREATER 0)
    math(EXPR metric_last "${metric_count} - 1")
    foreach(m RANGE 0 ${metric_last})
      string(JSON metric GET "${metrics}" ${m} name)
      if(metric MATCHES "^process_median_")
        list(APPEND medians ${metric})
      endif()
    endforeach()
  endif()
  list(APPEND seen ${name})
  if(name STREQUAL "spread" OR name STREQUAL "empty" OR name STREQUAL "affinity")
    if(NOT medians STREQUAL "process_median_1;process_median_2;process_median_3")
      pb_fail("PROCESSES 3: ${name} has process medians '${medians}', not 1 to 3")
    else()
      message(STATUS "ok: PROCESSES 3: ${name} pools three processes")
    endif()
  endif()
  if(name STREQUAL "spread" AND NOT samples EQUAL 9)
    pb_fail("PROCESSES 3 with RUNS 3: spread has ${samples} samples, not 9")
  endif()
endforeach()
foreach(expected spread empty affinity)
  if(NOT expected IN_LIST seen)
    pb_fail("no result for ${expected} in perfbudget-results.json (${seen})")
  endif()
endforeach()

# CPU: every run of the command, and the suite's measuring thread in each process, on it alone.
foreach(file pinned_cpus.txt suite_cpus.txt)
  file(STRINGS ${build}/${file} lines)
  list(LENGTH lines lines_count)
  set(pinned_lines ${lines})
  list(FILTER pinned_lines INCLUDE REGEX "^Cpus_allowed_list:[ \t]*${cpu}$")
  list(LENGTH pinned_lines pinned_count)
  if(lines_count EQUAL 0 OR NOT pinned_count EQUAL lines_count)
    pb_fail("CPU ${cpu}: ${file} says '${lines}'")
  else()
    message(STATUS "ok: CPU ${cpu}: ${file} shows CPU ${cpu} alone (${lines_count} lines)")
  endif()
endforeach()
file(STRINGS ${build}/suite_cpus.txt suite_lines)
list(LENGTH suite_lines suite_count)
if(suite_count LESS 3)
  pb_fail("PROCESSES 3: the affinity benchmark ran ${suite_count} times, not in 3 processes")
endif()

# Values that are not counts are refused when CMake configures.
foreach(bad "PROCESSES 0" "CPU -1")
  string(REPLACE " " ";" arguments "${bad}")
  file(WRITE ${source}/CMakeLists.txt "cmake_minimum_required(VERSION 3.20)
project(processes LANGUAGES C)
enable_testing()
find_package(perfbudget CONFIG REQUIRED)
add_perf_test(bad COMMAND true ${bad})
")
  string(MAKE_C_IDENTIFIER "${bad}" dir)
  pb_run(bad nonzero ${CMAKE_COMMAND} -S ${source} -B ${WORK_DIR}/${dir} -G ${GENERATOR}
         -Dperfbudget_DIR=${PERFBUDGET_BINARY_DIR})
  string(REPLACE " " " '" shown "${bad}")
  pb_expect_match("${bad} is refused" "${bad_OUTPUT}" "add_perf_test\\(bad\\): ${shown}'")
endforeach()

pb_finish(processes)
