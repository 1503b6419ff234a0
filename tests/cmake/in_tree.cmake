# SPDX-License-Identifier: MIT
# External-project test of in-tree use: projects/consumer adds perfbudget's source tree with
# add_subdirectory() (as FetchContent does) instead of finding an installed package.
#   cmake -DPERFBUDGET_SOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... [-DCONFIG=...]
#         -DCTEST_COMMAND=... [-DCONSUMER_FLAGS=...] -P in_tree.cmake
cmake_minimum_required(VERSION 3.20)  # ctest --test-dir, string(JSON)
include(${CMAKE_CURRENT_LIST_DIR}/helpers.cmake)
pb_clean_environment()

set(source ${CMAKE_CURRENT_LIST_DIR}/projects/consumer)
set(build ${WORK_DIR}/consumer)
file(REMOVE_RECURSE ${WORK_DIR})
pb_build_settings()

pb_run(configure 0 ${CMAKE_COMMAND} -S ${source} -B ${build} -G ${GENERATOR} ${build_config}
       ${consumer_flags}
       -DPERFBUDGET_SOURCE_DIR=${PERFBUDGET_SOURCE_DIR})
pb_expect_no_match("perfbudget's own tests stay off as a subproject" "${configure_OUTPUT}"
                   "cmocka")
pb_run(build 0 ${CMAKE_COMMAND} --build ${build} ${config_args})
set(ctest ${CTEST_COMMAND} --test-dir ${build} ${ctest_config})

pb_run(json 0 ${ctest} --show-only=json-v1)
pb_line_of(quick_line ${source}/CMakeLists.txt "add_perf_test(quick ")
pb_test_properties(quick "${json_OUTPUT}" quick)
pb_has_def_source_line(quick_def "${quick_DEF_SOURCE_LINE}" ${build}
                       "${source}/CMakeLists.txt:${quick_line}")
if(NOT quick_FOUND OR NOT "performance" IN_LIST quick_LABELS OR NOT quick_def)
  pb_fail("in-tree quick: labels '${quick_LABELS}', DEF_SOURCE_LINE "
                      "'${quick_DEF_SOURCE_LINE}'")
endif()
pb_test_properties(session "${json_OUTPUT}" perfbudget.session.close)
if(NOT session_FOUND)
  pb_fail("in-tree build has no perfbudget.session.close fixture")
else()
  message(STATUS "ok: in-tree tests and fixtures are defined")
endif()

pb_run(good 0 ${ctest} -L good --output-on-failure)
pb_expect_match("in-tree perf tests pass" "${good_OUTPUT}" "100% tests passed")
pb_expect_match("in-tree suite benchmarks are discovered" "${good_OUTPUT}"
                "suite.with space \\.+ +Passed")
pb_run(broken nonzero ${ctest} -L broken -R "^tight$" --output-on-failure)
pb_first_output_line(line status "${broken_OUTPUT}" tight)
pb_expect_match("in-tree, a tightened budget fails with its reason first" "${line}"
                "^FAIL tight: median")
pb_finish("in-tree")
