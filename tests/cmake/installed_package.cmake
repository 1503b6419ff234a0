# SPDX-License-Identifier: MIT
# External-project test of the installed CMake package. Run by CTest (tests/cmake/CMakeLists.txt):
#   cmake -DPERFBUDGET_SOURCE_DIR=... -DPERFBUDGET_BINARY_DIR=... -DWORK_DIR=... -DGENERATOR=...
#         [-DCONFIG=...] -DCTEST_COMMAND=... [-DCONSUMER_FLAGS=...] -P installed_package.cmake
# Installs perfbudget into a temporary prefix, builds projects/consumer against it, and checks
# what a user sees: selection by label, verdicts and their first lines, measurements in Test.xml,
# the test properties IDEs read, and configuration errors. Then builds examples/c against the
# same prefix, and the consumer against the build tree's package (export()).
cmake_minimum_required(VERSION 3.20)  # ctest --test-dir, string(JSON)
include(${CMAKE_CURRENT_LIST_DIR}/helpers.cmake)
pb_clean_environment()

set(prefix ${WORK_DIR}/prefix)
set(source ${CMAKE_CURRENT_LIST_DIR}/projects/consumer)
set(build ${WORK_DIR}/consumer)
file(REMOVE_RECURSE ${WORK_DIR})
pb_build_settings()

# ---- install into a temporary prefix ----
pb_run(install 0 ${CMAKE_COMMAND} --install ${PERFBUDGET_BINARY_DIR} --prefix ${prefix}
       ${config_args})
file(GLOB_RECURSE package_dir ${prefix}/*/perfbudgetConfig.cmake)
list(LENGTH package_dir found)
if(NOT found EQUAL 1)
  message(FATAL_ERROR "FAILED: expected one installed perfbudgetConfig.cmake, found: "
                      "${package_dir}")
endif()
get_filename_component(package_dir ${package_dir} DIRECTORY)
foreach(file perfbudgetConfigVersion.cmake perfbudgetTargets.cmake PerfBudget.cmake
             PerfBudgetAddTests.cmake)
  if(NOT EXISTS ${package_dir}/${file})
    pb_fail("${file} is not installed next to perfbudgetConfig.cmake")
  endif()
endforeach()
message(STATUS "ok: package installed in ${package_dir}")

# ---- configure and build a project against it ----
pb_run(configure 0 ${CMAKE_COMMAND} -S ${source} -B ${build} -G ${GENERATOR} ${build_config}
       ${consumer_flags}
       -DCMAKE_PREFIX_PATH=${prefix})
pb_run(build 0 ${CMAKE_COMMAND} --build ${build} ${config_args})
set(ctest ${CTEST_COMMAND} --test-dir ${build} ${ctest_config})

# ---- selection: -L performance takes the perf tests (and their fixtures), nothing else ----
pb_run(list 0 ${ctest} -N -L performance)
pb_expect_match("-L performance lists add_perf_test tests" "${list_OUTPUT}" ": quick\n")
pb_expect_match("-L performance lists discovered benchmarks" "${list_OUTPUT}" ": suite.empty\n")
pb_expect_match("-L performance lists the session fixtures" "${list_OUTPUT}"
                ": perfbudget.session.open\n.*: perfbudget.session.close\n")
pb_expect_no_match("-L performance leaves plain tests out" "${list_OUTPUT}" "plain_unit")
pb_run(list_plain 0 ${ctest} -N -LE performance)
pb_expect_match("-LE performance keeps plain tests" "${list_plain_OUTPUT}" ": plain_unit\n")
pb_expect_match("-LE performance lists only them" "${list_plain_OUTPUT}" "Total Tests: 1\n")

# ---- properties IDEs and ctest read (--show-only=json-v1) ----
pb_run(json 0 ${ctest} --show-only=json-v1)
set(json "${json_OUTPUT}")
pb_line_of(quick_line ${source}/CMakeLists.txt "add_perf_test(quick ")
pb_line_of(suite_line ${source}/CMakeLists.txt "perf_discover_tests(suite ")
pb_test_properties(quick "${json}" quick)
pb_has_def_source_line(quick_def "${quick_DEF_SOURCE_LINE}" ${build}
                       "${source}/CMakeLists.txt:${quick_line}")
if(NOT quick_FOUND OR NOT "performance" IN_LIST quick_LABELS OR NOT "good" IN_LIST quick_LABELS
   OR NOT quick_RUN_SERIAL OR NOT quick_TIMEOUT GREATER 0
   OR NOT quick_SKIP_REGULAR_EXPRESSION STREQUAL "PERFBUDGET_SKIP"
   OR NOT quick_FIXTURES_REQUIRED STREQUAL "perfbudget_session"
   OR NOT quick_def)
  pb_fail("properties of quick: labels '${quick_LABELS}', RUN_SERIAL "
    "'${quick_RUN_SERIAL}', TIMEOUT '${quick_TIMEOUT}', SKIP '${quick_SKIP_REGULAR_EXPRESSION}', "
    "fixtures '${quick_FIXTURES_REQUIRED}', DEF_SOURCE_LINE '${quick_DEF_SOURCE_LINE}' "
    "(want ${source}/CMakeLists.txt:${quick_line})")
else()
  message(STATUS "ok: add_perf_test's properties (labels, RUN_SERIAL, TIMEOUT, DEF_SOURCE_LINE)")
endif()
set(discovered_ok TRUE)
foreach(benchmark "with space" "semi;colon" "[x]] bracket]=]")
  pb_test_properties(discovered "${json}" "suite.${benchmark}")
  pb_has_def_source_line(discovered_def "${discovered_DEF_SOURCE_LINE}" ${build}
                         "${source}/CMakeLists.txt:${suite_line}")
  if(NOT discovered_FOUND OR NOT "performance" IN_LIST discovered_LABELS
     OR NOT discovered_RUN_SERIAL OR NOT discovered_def)
    pb_fail("discovered test 'suite.${benchmark}': found ${discovered_FOUND}, "
      "labels '${discovered_LABELS}', DEF_SOURCE_LINE '${discovered_DEF_SOURCE_LINE}'")
    set(discovered_ok FALSE)
  endif()
endforeach()
if(discovered_ok)
  message(STATUS "ok: discovered names with spaces, semicolons and brackets survive")
endif()
pb_test_properties(plain "${json}" plain_unit)
if(NOT plain_FOUND OR plain_LABELS OR plain_RUN_SERIAL OR plain_FIXTURES_REQUIRED)
  pb_fail("plain_unit was touched: labels '${plain_LABELS}'")
else()
  message(STATUS "ok: plain tests untouched")
endif()

# ---- passing budgets pass; ctest -T test records the measurements ----
pb_run(good 0 ${ctest} -T test -L good --output-on-failure)
pb_expect_match("the good perf tests pass" "${good_OUTPUT}" "100% tests passed")
pb_expect_match("discovered benchmarks run" "${good_OUTPUT}" "suite.semi;colon \\.+ +Passed")
file(GLOB test_xml ${build}/Testing/*/Test.xml)
if(NOT test_xml)
  pb_fail("ctest -T test wrote no Testing/*/Test.xml")
else()
  file(READ "${test_xml}" xml)
  pb_expect_match("Test.xml holds NamedMeasurement entries" "${xml}"
                  "<NamedMeasurement type=\"numeric/double\" name=\"median_ns\">")
endif()
if(NOT EXISTS ${build}/perfbudget-results.json)
  pb_fail("the session's cleanup wrote no perfbudget-results.json")
else()
  file(READ ${build}/perfbudget-results.json results)
  set(missing "")
  foreach(name quick from_subdirectory "semi;colon" "[x]] bracket]=]")
    string(FIND "${results}" "\"name\": \"${name}\"" at)
    if(at EQUAL -1)
      pb_fail("${name} is missing from perfbudget-results.json:\n${results}")
      set(missing TRUE)
    endif()
  endforeach()
  if(NOT missing)
    message(STATUS "ok: the session's cleanup combined every result in perfbudget-results.json")
  endif()
endif()
foreach(report md html)
  if(NOT EXISTS ${build}/perfbudget-report.${report})
    pb_fail("the session's cleanup wrote no perfbudget-report.${report}")
  endif()
endforeach()
if(EXISTS ${build}/perfbudget-report.html)
  file(READ ${build}/perfbudget-report.html html)
  pb_expect_match("the HTML report draws the run's samples" "${html}" "class=\"plot distribution\"")
endif()

# ---- failures fail, each with its one-line reason first ----
pb_run(broken nonzero ${ctest} -L broken --output-on-failure)
set(reason_tight "^FAIL tight: median .* > 1 ns")
set(reason_crash "^FAIL crash: .*(signal 11|SIGSEGV|Segmentation)")
set(reason_hang "^FAIL hang: .*timed out")
set(reason_exit3 "^FAIL exit3: .*(code|status) 3")
set(reason_tight_unmeasurable "^FAIL tight_unmeasurable: median .* > 1 ns")
foreach(test tight crash hang exit3 tight_unmeasurable)
  # "Failed", not "Timeout": the CLI stops a hanging run itself and says so.
  pb_first_output_line(line status "${broken_OUTPUT}" ${test})
  if(NOT status STREQUAL "Failed" OR NOT line MATCHES "${reason_${test}}")
    pb_fail("test ${test}: status '${status}' (want Failed), first line '${line}' "
            "(want /${reason_${test}}/):\n${broken_OUTPUT}")
  else()
    message(STATUS "ok: ${test} fails: ${line}")
  endif()
endforeach()

# ---- faulty benchmarks: each fails alone, naming what happened; nothing keeps running ----
# Commands (add_perf_test) and in-process benchmarks (perf_discover_tests, run by the suite in a
# watched child process) in one ctest run, beside a command and a benchmark that pass.
file(REMOVE ${build}/pids.txt)
set(junit_args "")
if(NOT CMAKE_VERSION VERSION_LESS 3.21)  # ctest --output-junit
  set(junit_args --output-junit ${WORK_DIR}/junit.xml)
endif()
pb_run(faults nonzero ${ctest} -L faults --output-on-failure ${junit_args})
foreach(test faults.ok faults.closeout faulty.ok)
  pb_first_output_line(line status "${faults_OUTPUT}" ${test})
  if(NOT status STREQUAL "Passed")
    pb_fail("${test}: status '${status}', want Passed:\n${faults_OUTPUT}")
  endif()
endforeach()
pb_first_output_line(line status "${faults_OUTPUT}" "faulty.$(touch pwned)`touch pwned`;'\"../x")
if(NOT status STREQUAL "Passed")
  pb_fail("the hostile name's test: status '${status}', want Passed:\n${faults_OUTPUT}")
endif()
set(reason_faults.abort "^FAIL faults.abort: .*killed by signal 6 \\(SIGABRT")
set(reason_faults.flood "^FAIL faults.flood: .*exited with code 1")
set(reason_faults.daemon "^FAIL faults.daemon: .*left processes running after it exited")
set(reason_faulty.segfault "^FAIL segfault: killed by signal 11 \\(SIGSEGV.* while measuring")

set(reason_faulty.abort "^FAIL abort: killed by signal 6 \\(SIGABRT.* while measuring")
set(reason_faulty.exit3 "^FAIL exit3: exited with code 3 while measuring")
set(reason_faulty.exit1 "^FAIL exit1: exited with code 1 while measuring")
set(reason_faulty.hang "^FAIL hang: timed out after 2 s .* while measuring")
set(reason_faulty.straggler "^FAIL straggler: left processes running after it finished")
set(reason_faulty.closeout "cannot write the verdict to standard output")
set(first_line_tests faults.abort faults.flood faults.daemon faulty.segfault faulty.abort
                     faulty.exit3 faulty.exit1 faulty.hang faulty.straggler faulty.closeout)
if(CONSUMER_FLAGS MATCHES "sanitize=")
  # Instrumented, the sanitizer catches the null store itself, prints its report first and
  # aborts (ASan, abort_on_error) or exits 1 (UBSan, halt_on_error): the verdict follows.
  list(REMOVE_ITEM first_line_tests faulty.segfault)
  pb_expect_match("a sanitized segfault fails with its reason" "${faults_OUTPUT}"
                  "FAIL segfault: (killed by signal 6 \\(SIGABRT|exited with code 1)[^\n]* while measuring")
endif()
foreach(test IN LISTS first_line_tests)
  # "Failed", not "Timeout" or "Exception": perfbudget stops and explains it first.
  pb_first_output_line(line status "${faults_OUTPUT}" ${test})
  if(NOT status STREQUAL "Failed" OR NOT line MATCHES "${reason_${test}}")
    pb_fail("test ${test}: status '${status}' (want Failed), first line '${line}' "
            "(want /${reason_${test}}/):\n${faults_OUTPUT}")
  else()
    message(STATUS "ok: ${test} fails: ${line}")
  endif()
endforeach()
pb_expect_match("megabytes of output are cut to their tail" "${faults_OUTPUT}"
                "bytes not shown \\.\\.\\.\\]")
string(LENGTH "${faults_OUTPUT}" faults_size)
if(faults_size GREATER 1000000)
  pb_fail("ctest -L faults printed ${faults_size} bytes")
endif()
# Every daemon the faulty tests started wrote its pid; none may still run (a zombie waiting for
# an adopter that never reaps is not running).
file(STRINGS ${build}/pids.txt pids)
list(LENGTH pids started)
if(NOT started EQUAL 2)
  pb_fail("want 2 daemon pids in pids.txt (faults.daemon, faulty.straggler), got '${pids}'")
endif()
foreach(pid IN LISTS pids)
  if(EXISTS /proc/${pid}/stat)
    file(READ /proc/${pid}/stat stat)
    if(stat MATCHES "\\) [^ZX] ")
      pb_fail("process ${pid}, started by a faulty test, still runs: ${stat}")
      execute_process(COMMAND kill -9 ${pid})
    endif()
  endif()
endforeach()
message(STATUS "ok: ${started} daemons started by faulty tests, none left running")
# CTest's JUnit file stays well-formed XML with that name and the failures' output in it.
find_program(python3 python3)
if(python3 AND junit_args)
  execute_process(COMMAND ${python3} -c
    "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); names = [t.getAttribute('name') for t in d.getElementsByTagName('testcase')]; sys.exit(0 if \"faulty.$(touch pwned)`touch pwned`;'\\\"../x\" in names else names)"
    ${WORK_DIR}/junit.xml RESULT_VARIABLE junit_result ERROR_VARIABLE junit_error)
  if(NOT junit_result EQUAL 0)
    pb_fail("the JUnit file of ctest -L faults: ${junit_error}")
  else()
    message(STATUS "ok: the JUnit file is well-formed and keeps the hostile name")
  endif()
endif()
file(GLOB_RECURSE pwned ${WORK_DIR}/pwned)
file(GLOB stray_x ${build}/x ${build}/*/x)
if(pwned OR stray_x)
  pb_fail("a benchmark's name reached a shell or made a file outside the session: "
          "${pwned} ${stray_x}")
else()
  message(STATUS "ok: a benchmark named $(touch pwned)`touch pwned`;'\"../x reached no shell")
endif()
file(READ ${build}/perfbudget-results.json results)
pb_expect_match("the session keeps the crashed benchmark's failure" "${results}"
                "\"name\": \"segfault\",[^}]*\"status\": \"failed\"")


# A limit applies to the mode that measures it: a time-mode test judges an instructions limit
# only where it counted instructions, and never skips for want of them (instructions mode does).
pb_run(unmeasurable 0 ${ctest} -L unmeasurable -V)
pb_expect_match("an instructions limit does not skip a time-mode test" "${unmeasurable_OUTPUT}"
                "Test +#[0-9]+: unmeasurable \\.+ +Passed")

# ---- a misspelt keyword stops configuration, naming the function ----
pb_run(misspelt nonzero ${CMAKE_COMMAND} -S ${source} -B ${WORK_DIR}/misspelt -G ${GENERATOR}
       ${build_config} ${consumer_flags} -DCMAKE_PREFIX_PATH=${prefix}
       -DPERFBUDGET_TEST_MISSPELT=ON)
pb_expect_match("a misspelt keyword stops configuration" "${misspelt_OUTPUT}"
                "add_perf_test\\(misspelt\\): 'BUGDET' .*BUDGET")

# ---- a suite executable missing at test time becomes one failing test ----
file(GLOB_RECURSE suite_exe ${build}/suite ${build}/suite.exe)
file(REMOVE ${suite_exe})
pb_run(missing nonzero ${ctest} -L performance -R NOT_BUILT --output-on-failure)
pb_first_output_line(line status "${missing_OUTPUT}" suite.suite_NOT_BUILT)
pb_expect_match("a missing suite executable fails, saying so" "${line}" "has not been built")

# ---- a suite module (add_perf_suite_module) compared with itself by the installed CLI ----
file(GLOB_RECURSE module ${build}/*module_suite_module*)
pb_run(interleave 0 ${prefix}/bin/perfbudget compare --interleave ${module}
       ${module} --pairs 12 --threshold 50)
# What is under test is the loading; a busy machine may leave 12 pairs of a 3 ns body undecided.
pb_expect_match("compare --interleave loads a module built against the installed package"
                "${interleave_OUTPUT}"
                "(PASS|INCONCLUSIVE) empty: time/iteration median .*, 12 pairs, in-process")
pb_run(module_suite 0 ${build}/module_suite --list)
pb_expect_match("the same source still makes a suite executable" "${module_suite_OUTPUT}" "empty")

# ---- the example a user copies builds and passes against the installed package ----
set(example ${WORK_DIR}/example)
set(example_flags "")
if(CONSUMER_FLAGS)
  set(example_flags "-DCMAKE_C_FLAGS=${CONSUMER_FLAGS}"
                    "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_FLAGS}")
endif()
pb_run(example_configure 0 ${CMAKE_COMMAND} -S ${PERFBUDGET_SOURCE_DIR}/examples/c -B ${example}
       -G ${GENERATOR} ${build_config} ${example_flags} -DCMAKE_PREFIX_PATH=${prefix})
pb_run(example_build 0 ${CMAKE_COMMAND} --build ${example} ${config_args})
pb_run(example_test 0 ${CTEST_COMMAND} --test-dir ${example} ${ctest_config} --output-on-failure)
pb_expect_match("examples/c passes against the installed package" "${example_test_OUTPUT}"
                "100% tests passed")

# ---- the package straight from the build tree (export()) ----
set(from_build_tree ${WORK_DIR}/consumer-build-tree)
pb_run(tree_configure 0 ${CMAKE_COMMAND} -S ${source} -B ${from_build_tree} -G ${GENERATOR}
       ${build_config} ${consumer_flags} -Dperfbudget_DIR=${PERFBUDGET_BINARY_DIR})
pb_run(tree_build 0 ${CMAKE_COMMAND} --build ${from_build_tree} ${config_args})
pb_run(tree_test 0 ${CTEST_COMMAND} --test-dir ${from_build_tree} ${ctest_config} -L good
       --output-on-failure)
pb_expect_match("the build tree's package works" "${tree_test_OUTPUT}" "100% tests passed")

pb_finish("installed-package")
