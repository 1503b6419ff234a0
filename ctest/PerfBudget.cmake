# SPDX-License-Identifier: MIT
#[=======================================================================[.rst:
PerfBudget
----------

Performance tests in CTest: ``add_perf_test()`` times a command, ``perf_discover_tests()`` turns
every benchmark of a suite executable built on perfbudget's C API into its own test. Both judge
the results against a budget file (``perfbudget.yml``) and, when asked, against a baseline.

``find_package(perfbudget CONFIG REQUIRED)`` includes this module; so does adding perfbudget's
source tree with ``add_subdirectory()`` or FetchContent. Including it defines functions and
nothing else (it does not call ``enable_testing()``).

docs/ctest.md is the how-to and the reference of every argument and variable. In short::

  add_perf_test(<name> COMMAND <command> [<arg>...]
                [BUDGET <file>] [BUDGET_NAME <entry>] [WARMUP <n>] [RUNS <n>]
                [THRESHOLD <pct>] [BASELINE <name|file>] [TIMEOUT <time>]
                [WORKING_DIRECTORY <dir>] [ENVIRONMENT <VAR=value>...] [LABELS <label>...]
                [FORMAT google-benchmark|nanobench|hyperfine] [OUTPUT <file>]
                [TIME real|cpu] [VERSION <v>] [SHELL] [CATEGORY <word>]
                [FAIL_ON regression|critical|never] [PROCESSES <n>] [CPU <n>])

  perf_discover_tests(<target> [BUDGET <file>] [LABELS <label>...] [CATEGORY <word>]
                      [TEST_PREFIX <prefix>]
                      [TIMEOUT <time>] [EXTRA_ARGS <arg>...] [WORKING_DIRECTORY <dir>]
                      [ENVIRONMENT <VAR=value>...] [MODE time|instructions]
                      [PROCESSES <n>] [CPU <n>])

  add_perf_suite_module(<target> <source>... [LINK_LIBRARIES <item>...])

Project-wide defaults: ``PERFBUDGET_DEFAULT_BUDGET``, ``PERFBUDGET_DEFAULT_RUNS``,
``PERFBUDGET_DEFAULT_WARMUP``, ``PERFBUDGET_DEFAULT_TIMEOUT``, ``PERFBUDGET_DEFAULT_LABELS``;
where results gather: ``PERFBUDGET_SESSION_DIR``, ``PERFBUDGET_RESULTS_FILE``.
#]=======================================================================]

include_guard(GLOBAL)

# The functions keep the policies of this file, not of the project that calls them.
cmake_policy(PUSH)
cmake_policy(VERSION 3.16...3.31)

# Where the test-time discovery script lives. CMake >= 3.17 tells a function its own file
# (CMAKE_CURRENT_FUNCTION_LIST_DIR); for 3.16, remember it here.
set_property(GLOBAL PROPERTY _PERFBUDGET_MODULE_DIR "${CMAKE_CURRENT_LIST_DIR}")

# ---- small helpers ------------------------------------------------------------------------------

# _perfbudget_bracket and _perfbudget_brackets: values written verbatim into generated CMake code,
# shared with the test-time discovery script.
include("${CMAKE_CURRENT_LIST_DIR}/PerfBudgetAddTests.cmake")

# Edit distance between two short words, a swap of neighbours counting as one edit (optimal
# string alignment), to recognise a misspelt keyword: BUGDET and RUSN are one edit away.
function(_perfbudget_edit_distance out a b)
  string(LENGTH "${a}" la)
  string(LENGTH "${b}" lb)
  set(before_previous "")
  set(previous "")
  foreach(j RANGE 0 ${lb})
    list(APPEND previous ${j})
  endforeach()
  foreach(i RANGE 1 ${la})
    math(EXPR ai "${i} - 1")
    string(SUBSTRING "${a}" ${ai} 1 ca)
    set(current ${i})
    foreach(j RANGE 1 ${lb})
      math(EXPR bj "${j} - 1")
      string(SUBSTRING "${b}" ${bj} 1 cb)
      list(GET previous ${bj} diagonal)
      list(GET previous ${j} up)
      list(GET current ${bj} left)
      if("${ca}" STREQUAL "${cb}")
        set(best ${diagonal})
      else()
        math(EXPR best "${diagonal} + 1")
      endif()
      math(EXPR up "${up} + 1")
      math(EXPR left "${left} + 1")
      if(up LESS best)
        set(best ${up})
      endif()
      if(left LESS best)
        set(best ${left})
      endif()
      if(i GREATER 1 AND j GREATER 1)
        math(EXPR ai2 "${i} - 2")
        math(EXPR bj2 "${j} - 2")
        string(SUBSTRING "${a}" ${ai2} 1 ca2)
        string(SUBSTRING "${b}" ${bj2} 1 cb2)
        if("${ca}" STREQUAL "${cb2}" AND "${ca2}" STREQUAL "${cb}")
          list(GET before_previous ${bj2} swap)
          math(EXPR swap "${swap} + 1")
          if(swap LESS best)
            set(best ${swap})
          endif()
        endif()
      endif()
      list(APPEND current ${best})
    endforeach()
    set(before_previous "${previous}")
    set(previous "${current}")
  endforeach()
  list(GET previous ${lb} distance)
  set(${out} ${distance} PARENT_SCOPE)
endfunction()

# The keyword an all-capitals word is probably a misspelling of, or "" when none is close.
function(_perfbudget_close_keyword out word keywords)
  set(${out} "" PARENT_SCOPE)
  if(NOT "${word}" MATCHES "^[A-Z][A-Z_]+$")
    return()
  endif()
  string(LENGTH "${word}" length)
  set(allowed 1)
  if(length GREATER 5)
    set(allowed 2)
  endif()
  foreach(keyword IN LISTS keywords)
    string(FIND "${keyword}" "${word}" at)
    if(at EQUAL 0 AND length GREATER 3)  # cut short: WORKING_DIR, BASE
      set(${out} "${keyword}" PARENT_SCOPE)
      return()
    endif()
    string(LENGTH "${keyword}" keyword_length)
    math(EXPR difference "${length} - ${keyword_length}")
    if(difference GREATER allowed OR difference LESS -${allowed})
      continue()
    endif()
    _perfbudget_edit_distance(distance "${word}" "${keyword}")
    if(distance LESS_EQUAL allowed)
      set(${out} "${keyword}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
endfunction()

# Validate the raw arguments of a public function. cmake_parse_arguments() has parsed them into
# arg_*; the caller also copied them, empty strings included, into _perfbudget_argc and
# _perfbudget_arg_<i> (CMake < 3.31 cannot tell "BUDGET ''" from no BUDGET). Stops configuration
# with "<fn>(<subject>): ..." on an unknown argument, a keyword without a value, an empty value,
# or a word inside a list argument that looks like a misspelt keyword.
function(_perfbudget_check_arguments fn subject options one_value multi_value verbatim)
  set(where "${fn}(${subject})")
  set(keywords ${options} ${one_value} ${multi_value})
  if(arg_UNPARSED_ARGUMENTS)
    list(GET arg_UNPARSED_ARGUMENTS 0 first)
    _perfbudget_close_keyword(keyword "${first}" "${keywords}")
    if(keyword)
      message(FATAL_ERROR "${where}: unknown keyword '${first}' (did you mean ${keyword}?)")
    endif()
    list(JOIN arg_UNPARSED_ARGUMENTS " " unparsed)
    string(REPLACE ";" " " known "${keywords}")
    message(FATAL_ERROR "${where}: unexpected argument(s) '${unparsed}'; "
                        "the keywords are: ${known}")
  endif()
  if(arg_KEYWORDS_MISSING_VALUES)
    list(JOIN arg_KEYWORDS_MISSING_VALUES ", " missing)
    message(FATAL_ERROR "${where}: ${missing} needs a value")
  endif()
  # Empty strings: after a one-value keyword, or anywhere outside a verbatim argument list.
  set(current "")
  foreach(i RANGE 1 ${_perfbudget_argc})
    if(i EQUAL _perfbudget_argc)
      break()
    endif()
    set(word "${_perfbudget_arg_${i}}")
    if(word IN_LIST keywords)
      set(current "${word}")
    elseif("${word}" STREQUAL "" AND NOT current IN_LIST verbatim)
      if("${current}" STREQUAL "")
        message(FATAL_ERROR "${where}: unexpected empty argument before any keyword")
      endif()
      message(FATAL_ERROR "${where}: ${current} is given an empty value")
    endif()
  endforeach()
  # cmake_parse_arguments() files a misspelt keyword after COMMAND, LABELS, ... under that
  # keyword; catch the words that look like one.
  foreach(keyword IN LISTS multi_value)
    foreach(word IN LISTS arg_${keyword})
      _perfbudget_close_keyword(close "${word}" "${keywords}")
      if(close)
        message(FATAL_ERROR
          "${where}: '${word}' in ${keyword} looks like a misspelt keyword (${close}?). If it "
          "really is an argument, write it as a generator expression: $<1:${word}>")
      endif()
    endforeach()
  endforeach()
endfunction()

# A duration in milliseconds: "30" (seconds), "0.5", "500ms", "2s", "1.5min".
function(_perfbudget_parse_duration out text where keyword)
  if(NOT "${text}" MATCHES "^([0-9]+)(\\.([0-9]+))?[ ]*(ms|s|min)?$")
    message(FATAL_ERROR "${where}: ${keyword} '${text}' is not a duration "
                        "(seconds, or a number with ms, s or min, such as 30 or 500ms)")
  endif()
  set(whole "${CMAKE_MATCH_1}")
  set(fraction "${CMAKE_MATCH_3}000000")
  set(unit "${CMAKE_MATCH_4}")
  string(SUBSTRING "${fraction}" 0 6 fraction)
  string(REGEX REPLACE "^0+([0-9])" "\\1" fraction "${fraction}")
  string(REGEX REPLACE "^0+([0-9])" "\\1" whole "${whole}")
  set(factor 1000)
  if("${unit}" STREQUAL "ms")
    set(factor 1)
  elseif("${unit}" STREQUAL "min")
    set(factor 60000)
  endif()
  # micro-units x factor, rounded up to whole milliseconds
  math(EXPR ms "((${whole} * 1000000 + ${fraction}) * ${factor} + 999999) / 1000000")
  if(ms LESS_EQUAL 0)
    message(FATAL_ERROR "${where}: ${keyword} must be longer than zero")
  endif()
  set(${out} ${ms} PARENT_SCOPE)
endfunction()

# Milliseconds as seconds for CTest's TIMEOUT property ("30", "30.5", "0.25").
function(_perfbudget_ms_to_seconds out ms)
  math(EXPR seconds "${ms} / 1000")
  math(EXPR rest "${ms} % 1000")
  if(rest EQUAL 0)
    set(${out} "${seconds}" PARENT_SCOPE)
  else()
    math(EXPR rest "1000 + ${rest}")
    string(SUBSTRING "${rest}" 1 3 rest)
    set(${out} "${seconds}.${rest}" PARENT_SCOPE)
  endif()
endfunction()

function(_perfbudget_check_count where keyword value minimum)
  if(NOT "${value}" MATCHES "^[0-9]+$" OR value LESS minimum)
    message(FATAL_ERROR "${where}: ${keyword} '${value}' must be a whole number >= ${minimum}")
  endif()
endfunction()

# PROCESSES and CPU, as pytest's --perf-processes and --perf-cpu: the run's arguments appended to
# the list in `args`, and in `factor` how many times over it measures (for the timeouts).
function(_perfbudget_isolation args factor where processes cpu)
  set(list "${${args}}")
  set(times 1)
  if(NOT "${processes}" STREQUAL "")
    _perfbudget_check_count("${where}" PROCESSES "${processes}" 1)
    list(APPEND list --processes ${processes})
    set(times ${processes})
  endif()
  if(NOT "${cpu}" STREQUAL "")
    _perfbudget_check_count("${where}" CPU "${cpu}" 0)
    list(APPEND list --cpu ${cpu})
  endif()
  set(${args} "${list}" PARENT_SCOPE)
  set(${factor} ${times} PARENT_SCOPE)
endfunction()

# An absolute path, relative ones taken from the calling CMakeLists' source directory.
function(_perfbudget_absolute out path)
  if("${path}" MATCHES "^\\$<")
    set(${out} "${path}" PARENT_SCOPE)  # a generator expression: leave it to generation
  else()
    get_filename_component(path "${path}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    set(${out} "${path}" PARENT_SCOPE)
  endif()
endfunction()

# A test's working directory; relative ones are taken from the current binary directory, where
# ctest runs the test by default.
function(_perfbudget_working_directory out path)
  if("${path}" MATCHES "^\\$<")
    set(${out} "${path}" PARENT_SCOPE)
  else()
    get_filename_component(path "${path}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    set(${out} "${path}" PARENT_SCOPE)
  endif()
endfunction()

function(_perfbudget_budget_file out where given)
  set(budget "${given}")
  if("${budget}" STREQUAL "" AND DEFINED PERFBUDGET_DEFAULT_BUDGET)
    set(budget "${PERFBUDGET_DEFAULT_BUDGET}")
  endif()
  if(NOT "${budget}" STREQUAL "")
    _perfbudget_absolute(budget "${budget}")
    if(NOT "${budget}" MATCHES "\\$<" AND NOT EXISTS "${budget}")
      message(FATAL_ERROR "${where}: budget file '${budget}' does not exist")
    endif()
  endif()
  set(${out} "${budget}" PARENT_SCOPE)
endfunction()

function(_perfbudget_check_environment where entries)
  foreach(entry IN LISTS entries)
    if(NOT "${entry}" MATCHES "^[A-Za-z_][A-Za-z0-9_]*=")
      message(FATAL_ERROR "${where}: ENVIRONMENT entry '${entry}' is not VAR=value")
    endif()
  endforeach()
endfunction()

# CATEGORY: one word, which joins the labels (ctest -L integration), as it becomes a pytest marker.
function(_perfbudget_category labels_var where category)
  if("${category}" STREQUAL "")
    return()
  endif()
  if(NOT "${category}" MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "${where}: CATEGORY '${category}' is not one word of letters, digits "
                        "and _ (such as unit, integration)")
  endif()
  set(labels ${${labels_var}})
  list(APPEND labels "${category}")
  list(REMOVE_DUPLICATES labels)
  set(${labels_var} "${labels}" PARENT_SCOPE)
endfunction()

# "performance", then PERFBUDGET_DEFAULT_LABELS, then the test's own, each once.
function(_perfbudget_labels out given)
  set(labels performance ${PERFBUDGET_DEFAULT_LABELS} ${given})
  list(REMOVE_DUPLICATES labels)
  set(${out} "${labels}" PARENT_SCOPE)
endfunction()

# A string that is safe as one element of a list, and back.
function(_perfbudget_encode out text)
  string(REPLACE ";" "<pb:semicolon>" text "${text}")
  string(REPLACE "[" "<pb:open>" text "${text}")
  string(REPLACE "]" "<pb:close>" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()
function(_perfbudget_decode out text)
  string(REPLACE "<pb:semicolon>" ";" text "${text}")
  string(REPLACE "<pb:open>" "[" text "${text}")
  string(REPLACE "<pb:close>" "]" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# "<file>:<line>" of the call to command that defines a test, for DEF_SOURCE_LINE (VS Code's
# CMake Tools jumps there). Inside a function CMAKE_CURRENT_LIST_FILE names the calling file but
# CMAKE_CURRENT_LIST_LINE counts lines of the function's own file, and CMake offers no call
# stack; so find the call in the calling file: the one whose first argument is the subject,
# else one whose first argument is computed ("bench_${n}" in a loop) and fits the subject, else
# any command whose first argument is the subject (a wrapper function), else line 1.
function(_perfbudget_def_source_line out command subject)
  set(file "${CMAKE_CURRENT_LIST_FILE}")
  string(MD5 key "${file}|${command}")
  get_property(calls GLOBAL PROPERTY _PERFBUDGET_CALLS_${key})
  get_property(scanned GLOBAL PROPERTY _PERFBUDGET_CALLS_${key} SET)
  if(NOT scanned AND EXISTS "${file}")
    file(READ "${file}" text)
    string(TOLOWER "${text}" lower)
    string(LENGTH "${command}" command_length)
    set(calls "")
    set(start 0)
    while(TRUE)
      string(SUBSTRING "${lower}" ${start} -1 rest)
      string(FIND "${rest}" "${command}" found)
      if(found EQUAL -1)
        break()
      endif()
      math(EXPR at "${start} + ${found}")
      math(EXPR start "${at} + ${command_length}")
      string(SUBSTRING "${text}" 0 ${at} before)
      # Not part of a longer name, not commented out.
      if("${before}" MATCHES "[A-Za-z0-9_]$" OR "${before}" MATCHES "#[^\n]*$")
        continue()
      endif()
      string(SUBSTRING "${text}" ${start} 400 after)
      if(NOT "${after}" MATCHES "^[ \t]*\\([ \t\r\n]*(\"([^\"]*)\"|[^ \t\r\n()\"#]+)")
        continue()
      endif()
      set(first "${CMAKE_MATCH_1}")
      if("${first}" MATCHES "^\"")
        set(first "${CMAKE_MATCH_2}")
      endif()
      string(REGEX REPLACE "[^\n]" "" newlines "${before}")
      string(LENGTH "${newlines}" line)
      math(EXPR line "${line} + 1")
      _perfbudget_encode(first "${first}")
      list(APPEND calls "${line}=${first}")
    endwhile()
    set_property(GLOBAL PROPERTY _PERFBUDGET_CALLS_${key} "${calls}")
  endif()
  # A call with the subject written out wins (the nth such call for the nth call with this
  # subject: perf_discover_tests twice on one target); else the computed one ("bench_${n}")
  # whose literal parts match the most characters.
  string(MD5 subject_key "${key}|${subject}")
  get_property(earlier GLOBAL PROPERTY _PERFBUDGET_CALLED_${subject_key})
  if("${earlier}" STREQUAL "")
    set(earlier 0)
  endif()
  math(EXPR called "${earlier} + 1")
  set_property(GLOBAL PROPERTY _PERFBUDGET_CALLED_${subject_key} ${called})
  set(line "")
  set(seen 0)
  set(best_score -1)
  foreach(call IN LISTS calls)
    string(REGEX MATCH "^([0-9]+)=(.*)$" _ "${call}")
    set(call_line "${CMAKE_MATCH_1}")
    _perfbudget_decode(first "${CMAKE_MATCH_2}")
    if("${first}" STREQUAL "${subject}")
      set(line ${call_line})
      math(EXPR seen "${seen} + 1")
      if(seen GREATER earlier)
        break()
      endif()
      continue()
    endif()
    if(NOT "${first}" MATCHES "\\$\\{")
      continue()
    endif()
    string(REGEX REPLACE "\\$\\{[^}]*\\}" "\n" pattern "${first}")
    string(REGEX REPLACE "\n" "" literal "${pattern}")
    string(LENGTH "${literal}" score)
    string(REGEX REPLACE "([][^$.()*+?|\\])" "\\\\\\1" pattern "${pattern}")
    string(REPLACE "\n" ".*" pattern "${pattern}")
    if("${subject}" MATCHES "^${pattern}$" AND score GREATER best_score)
      set(best_score ${score})
      set(best_line ${call_line})
    endif()
  endforeach()
  if("${line}" STREQUAL "" AND best_score GREATER 0)
    set(line ${best_line})
  endif()
  if("${line}" STREQUAL "" AND EXISTS "${file}")
    if(NOT DEFINED text)
      file(READ "${file}" text)
    endif()
    string(FIND "${text}" "${subject}" found)
    while(NOT found EQUAL -1)
      string(SUBSTRING "${text}" 0 ${found} before)
      if("${before}" MATCHES "\\([ \t\r\n\"]*$")
        string(REGEX REPLACE "[^\n]" "" newlines "${before}")
        string(LENGTH "${newlines}" line)
        math(EXPR line "${line} + 1")
        break()
      endif()
      math(EXPR next "${found} + 1")
      string(SUBSTRING "${text}" ${next} -1 rest)
      string(FIND "${rest}" "${subject}" found)
      if(NOT found EQUAL -1)
        math(EXPR found "${found} + ${next}")
      endif()
    endwhile()
  endif()
  if("${line}" STREQUAL "" AND best_score EQUAL 0)
    set(line ${best_line})
  endif()
  if("${line}" STREQUAL "")
    set(line 1)
  endif()
  set(${out} "${file}:${line}" PARENT_SCOPE)
endfunction()

# A name with spaces or other special characters reaches ctest intact only under policy
# CMP0110 NEW, and CMake applies the policy as it stands at the end of the calling directory,
# not inside this module; so check it there.
function(_perfbudget_check_test_name name)
  if("${name}" MATCHES "^[A-Za-z0-9_.+:/@-]+$")
    return()
  endif()
  set(advice "add_perf_test(${name}): a test name with spaces or special characters needs \
policy CMP0110 NEW (cmake_minimum_required(VERSION 3.19) or later, or \
cmake_policy(SET CMP0110 NEW)); without it ctest would see a mangled name")
  if(CMAKE_VERSION VERSION_LESS 3.19)
    message(FATAL_ERROR "${advice}")
  endif()
  # Deferred arguments are expanded when the call runs, so hand over bracket arguments only.
  _perfbudget_bracket(advice "${advice}")
  set(check "cmake_policy(GET CMP0110 _perfbudget_cmp0110)
if(NOT \"\${_perfbudget_cmp0110}\" STREQUAL \"NEW\")
  message(FATAL_ERROR ${advice})
endif()")
  _perfbudget_bracket(check "${check}")
  cmake_language(EVAL CODE "cmake_language(DEFER CALL cmake_language EVAL CODE ${check})")
endfunction()

function(_perfbudget_require_cli where)
  if(NOT TARGET perfbudget::cli)
    message(FATAL_ERROR
      "${where}: the target perfbudget::cli is not defined here. Call "
      "find_package(perfbudget CONFIG REQUIRED) in this directory or a parent of it "
      "(imported targets are visible only there), or add perfbudget's source tree with "
      "add_subdirectory() or FetchContent first.")
  endif()
endfunction()

# A budget file a perf test uses, for the session's cleanup (see _perfbudget_session). A file
# named by a generator expression is known only at generation time and is left out.
function(_perfbudget_note_budget budget)
  if("${budget}" STREQUAL "" OR "${budget}" MATCHES "\\$<")
    return()
  endif()
  get_property(budgets GLOBAL PROPERTY _PERFBUDGET_BUDGETS)
  if("${budget}" IN_LIST budgets)
    return()
  endif()
  list(APPEND budgets "${budget}")
  set_property(GLOBAL PROPERTY _PERFBUDGET_BUDGETS "${budgets}")
  get_property(budget_list GLOBAL PROPERTY _PERFBUDGET_BUDGET_LIST_FILE)
  string(REPLACE ";" "\n" lines "${budgets}")
  file(WRITE "${budget_list}" "${lines}\n")
endfunction()

# Without enable_testing() (or include(CTest)) in this directory, CMake drops every add_test()
# of it silently and ctest says "No tests were found!!!". CMake marks a directory that enabled
# testing with the variable CMAKE_TESTING_ENABLED; it is checked when the directory ends
# (enable_testing() may come after the perf tests), once per directory. BUILD_TESTING OFF
# (include(CTest) told not to test) is deliberate: no warning then.
function(_perfbudget_testing_check where)
  if(CMAKE_TESTING_ENABLED OR (DEFINED BUILD_TESTING AND NOT BUILD_TESTING))
    return()
  endif()
  message(WARNING "${where}: testing is not enabled in ${CMAKE_CURRENT_SOURCE_DIR}, so CMake "
                  "drops its tests and ctest finds none (\"No tests were found!!!\"). Call "
                  "enable_testing() or include(CTest) in the top-level CMakeLists.txt, before "
                  "the perf tests and the add_subdirectory() that leads to them.")
endfunction()

function(_perfbudget_warn_without_testing where)
  get_property(checked DIRECTORY PROPERTY _PERFBUDGET_TESTING_CHECKED)
  if(checked)
    return()
  endif()
  set_property(DIRECTORY PROPERTY _PERFBUDGET_TESTING_CHECKED TRUE)
  if(CMAKE_VERSION VERSION_LESS 3.19)
    _perfbudget_testing_check("${where}")
    return()
  endif()
  _perfbudget_bracket(where "${where}")
  cmake_language(EVAL CODE "cmake_language(DEFER CALL _perfbudget_testing_check ${where})")
endfunction()

# The session of one ctest invocation: a setup test opens it, every perf test drops its result
# into it, a cleanup test combines them into one result file. Added once, with the first perf
# test of the build, wherever that is: CTest matches fixtures by name across directories.
function(_perfbudget_session out_dir)
  get_property(session_dir GLOBAL PROPERTY _PERFBUDGET_SESSION_DIR)
  if(NOT "${session_dir}" STREQUAL "")
    set(${out_dir} "${session_dir}" PARENT_SCOPE)
    return()
  endif()
  set(session_dir "${CMAKE_BINARY_DIR}/perfbudget-session")
  if(DEFINED PERFBUDGET_SESSION_DIR)
    get_filename_component(session_dir "${PERFBUDGET_SESSION_DIR}" ABSOLUTE
                           BASE_DIR "${CMAKE_BINARY_DIR}")
  endif()
  set(results "${CMAKE_BINARY_DIR}/perfbudget-results.json")
  if(DEFINED PERFBUDGET_RESULTS_FILE)
    get_filename_component(results "${PERFBUDGET_RESULTS_FILE}" ABSOLUTE
                           BASE_DIR "${CMAKE_BINARY_DIR}")
  endif()
  # Reports of the whole run, each format by its suffix (.md, .csv, .json, .html, .trace.json).
  set(report_args "")
  set(reports perfbudget-report.md perfbudget-report.html)
  if(DEFINED PERFBUDGET_REPORTS)
    set(reports ${PERFBUDGET_REPORTS})
  endif()
  foreach(report IN LISTS reports)
    get_filename_component(report "${report}" ABSOLUTE BASE_DIR "${CMAKE_BINARY_DIR}")
    list(APPEND report_args --report "${report}")
  endforeach()
  set_property(GLOBAL PROPERTY _PERFBUDGET_SESSION_DIR "${session_dir}")
  set(budget_args "")
  _perfbudget_budget_file(budget "add_perf_test" "")
  if(NOT "${budget}" STREQUAL "")
    set(budget_args --budget "${budget}")
  endif()
  # Every budget file a perf test names (its BUDGET or the default), one per line: the cleanup
  # records the run in each one's history and warns about their entries that matched no test.
  # Rewritten by every call (_perfbudget_note_budget), so it is complete once configuring ends.
  set(budget_list "${CMAKE_BINARY_DIR}/CMakeFiles/perfbudget-session-budgets.txt")
  set_property(GLOBAL PROPERTY _PERFBUDGET_BUDGET_LIST_FILE "${budget_list}")
  set_property(GLOBAL PROPERTY _PERFBUDGET_BUDGETS "")
  file(WRITE "${budget_list}" "")
  add_test(NAME perfbudget.session.open
           COMMAND "$<TARGET_FILE:perfbudget::cli>" session open "${session_dir}")
  add_test(NAME perfbudget.session.close
           COMMAND "$<TARGET_FILE:perfbudget::cli>" session close "${session_dir}"
                   --json "${results}" ${report_args} ${budget_args}
                   --budgets-from "${budget_list}")
  set_tests_properties(perfbudget.session.open PROPERTIES
    FIXTURES_SETUP perfbudget_session LABELS performance RUN_SERIAL TRUE TIMEOUT 60)
  set_tests_properties(perfbudget.session.close PROPERTIES
    FIXTURES_CLEANUP perfbudget_session LABELS performance RUN_SERIAL TRUE TIMEOUT 300
    ENVIRONMENT "PERFBUDGET_BUILD_TYPE=$<CONFIG>")
  set(${out_dir} "${session_dir}" PARENT_SCOPE)
endfunction()

# ---- add_perf_test ------------------------------------------------------------------------------

function(add_perf_test name)
  set(fn add_perf_test)
  set(options SHELL)
  set(one_value BUDGET BUDGET_NAME WARMUP RUNS THRESHOLD BASELINE TIMEOUT WORKING_DIRECTORY
                FORMAT OUTPUT TIME VERSION CATEGORY FAIL_ON PROCESSES CPU)
  set(multi_value COMMAND ENVIRONMENT LABELS)
  cmake_parse_arguments(PARSE_ARGV 1 arg "${options}" "${one_value}" "${multi_value}")
  set(_perfbudget_argc ${ARGC})
  foreach(i RANGE 1 ${ARGC})
    if(i LESS ARGC)
      set(_perfbudget_arg_${i} "${ARGV${i}}")
    endif()
  endforeach()
  set(where "${fn}(${name})")
  if("${name}" STREQUAL "" OR "${name}" MATCHES "^(NAME|COMMAND|SHELL)$")
    message(FATAL_ERROR "add_perf_test(${name} ...): the first argument is the test's name, "
                        "without a keyword: add_perf_test(my_test COMMAND ...)")
  endif()
  _perfbudget_check_arguments(${fn} "${name}" "${options}" "${one_value}" "${multi_value}"
                              COMMAND)
  _perfbudget_check_test_name("${name}")
  if(NOT arg_COMMAND)
    message(FATAL_ERROR "${where}: COMMAND is missing (the command to time, and its arguments)")
  endif()
  _perfbudget_require_cli("${where}")

  # The command: a target name in first place means that target's file, as add_test() does.
  # (String operations: list(INSERT) would lose the escaping of an argument's semicolons.)
  # A target defined later (add_executable after add_perf_test) is resolved when CMake
  # generates, as add_test() does: then a word that could name a target becomes a generator
  # expression that picks the target's file if such an executable exists, else the word.
  # PERFBUDGET_COMMAND_BUILT says whether the command is a target of this build (1 or 0), for
  # the warning about unoptimised builds.
  list(GET arg_COMMAND 0 program)
  set(command_built 0)
  string(LENGTH "${program}" length)
  string(SUBSTRING "${arg_COMMAND}" ${length} -1 arguments)
  if(TARGET "${program}")
    get_target_property(type "${program}" TYPE)
    if("${type}" STREQUAL "EXECUTABLE")
      set(arg_COMMAND "$<TARGET_FILE:${program}>${arguments}")
      get_target_property(imported "${program}" IMPORTED)
      if(NOT imported)
        set(command_built 1)
      endif()
    endif()
  elseif("${program}" MATCHES "^[A-Za-z0-9_.+-]+$" AND NOT arg_SHELL)
    set(is_executable "$<STREQUAL:$<TARGET_PROPERTY:${program},TYPE>,EXECUTABLE>")
    set(is_target "$<IF:$<TARGET_EXISTS:${program}>,${is_executable},0>")
    set(arg_COMMAND
        "$<IF:${is_target},$<TARGET_FILE:${program}>,${program}>${arguments}")
    set(not_imported "$<NOT:$<BOOL:$<TARGET_PROPERTY:${program},IMPORTED>>>")
    set(command_built "$<IF:${is_target},${not_imported},0>")
  endif()
  if(arg_SHELL)
    list(LENGTH arg_COMMAND words)
    if(words GREATER 1)
      message(FATAL_ERROR "${where}: with SHELL, COMMAND is one shell command line in one "
                          "argument (quote it: COMMAND \"gen | gzip > out.gz\")")
    endif()
  endif()

  # Values go into the run_args list escaped, so a semicolon stays inside its argument.
  string(REPLACE ";" "\\;" escaped_name "${name}")
  set(run_args --name "${escaped_name}" --ctest)
  _perfbudget_budget_file(budget "${where}" "${arg_BUDGET}")
  if(NOT "${budget}" STREQUAL "")
    list(APPEND run_args --budget "${budget}")
  endif()
  if(DEFINED arg_BUDGET_NAME)
    string(REPLACE ";" "\\;" entry "${arg_BUDGET_NAME}")
    list(APPEND run_args --budget-name "${entry}")
  endif()

  # Counts: the test's own, else the project's default, else the CLI's.
  # With FORMAT the command runs once and the tool repeats itself, so none apply.
  set(warmup_for_timeout 1)
  set(runs_for_timeout 10)
  set(counts WARMUP RUNS)
  if(DEFINED arg_FORMAT)
    set(counts "")
    set(warmup_for_timeout 0)
    set(runs_for_timeout 1)
    if(DEFINED arg_WARMUP OR DEFINED arg_RUNS)
      message(FATAL_ERROR "${where}: WARMUP and RUNS do not apply with FORMAT: the command runs "
                          "once and the tool repeats its own measurements (for Google Benchmark, "
                          "--benchmark_repetitions=N)")
    endif()
  endif()
  foreach(setting IN LISTS counts)
    set(value "")
    if(DEFINED arg_${setting})
      set(value "${arg_${setting}}")
    elseif(DEFINED PERFBUDGET_DEFAULT_${setting})
      set(value "${PERFBUDGET_DEFAULT_${setting}}")
    endif()
    if(NOT "${value}" STREQUAL "")
      set(minimum 0)
      if("${setting}" STREQUAL "RUNS")
        set(minimum 1)
      endif()
      _perfbudget_check_count("${where}" ${setting} "${value}" ${minimum})
      string(TOLOWER "${setting}" flag)
      list(APPEND run_args --${flag} ${value})
      set(${flag}_for_timeout ${value})
    endif()
  endforeach()

  # TIMEOUT limits one run; the CLI kills a run that exceeds it and says so. CTest's own
  # TIMEOUT is only the backstop: every run at its limit, plus a margin.
  set(timeout "60")
  if(DEFINED arg_TIMEOUT)
    set(timeout "${arg_TIMEOUT}")
  elseif(DEFINED PERFBUDGET_DEFAULT_TIMEOUT)
    set(timeout "${PERFBUDGET_DEFAULT_TIMEOUT}")
  endif()
  _perfbudget_parse_duration(per_run_ms "${timeout}" "${where}" TIMEOUT)
  math(EXPR milliseconds "${per_run_ms} % 1000")
  if(milliseconds EQUAL 0)
    math(EXPR seconds "${per_run_ms} / 1000")
    list(APPEND run_args --timeout ${seconds}s)
  else()
    list(APPEND run_args --timeout ${per_run_ms}ms)
  endif()
  _perfbudget_isolation(run_args processes "${where}" "${arg_PROCESSES}" "${arg_CPU}")
  math(EXPR ctest_timeout_ms
       "${processes} * (${warmup_for_timeout} + ${runs_for_timeout}) * ${per_run_ms} + 30000")
  _perfbudget_ms_to_seconds(ctest_timeout "${ctest_timeout_ms}")

  if(DEFINED arg_THRESHOLD)
    if(NOT "${arg_THRESHOLD}" MATCHES "^[0-9]+(\\.[0-9]+)?%?$")
      message(FATAL_ERROR "${where}: THRESHOLD '${arg_THRESHOLD}' is not a percentage "
                          "such as 5 or 2.5%")
    endif()
    list(APPEND run_args --threshold "${arg_THRESHOLD}")
  endif()
  if(DEFINED arg_FAIL_ON)
    # $PERFBUDGET_FAIL_ON in ctest's environment beats it, as for THRESHOLD
    if(NOT "${arg_FAIL_ON}" MATCHES "^(regression|critical|never)$")
      message(FATAL_ERROR "${where}: FAIL_ON '${arg_FAIL_ON}' is not one of regression, "
                          "critical, never")
    endif()
    list(APPEND run_args --fail-on "${arg_FAIL_ON}")
  endif()
  if(DEFINED arg_BASELINE)
    set(baseline "${arg_BASELINE}")
    if(NOT IS_ABSOLUTE "${baseline}" AND EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${baseline}")
      set(baseline "${CMAKE_CURRENT_SOURCE_DIR}/${baseline}")
    endif()
    string(REPLACE ";" "\\;" baseline "${baseline}")
    list(APPEND run_args --baseline "${baseline}")
  endif()
  if(DEFINED arg_FORMAT)
    if(NOT "${arg_FORMAT}" MATCHES "^(google-benchmark|nanobench|hyperfine)$")
      message(FATAL_ERROR "${where}: FORMAT '${arg_FORMAT}' is not one of google-benchmark, "
                          "nanobench, hyperfine")
    endif()
    list(APPEND run_args --format "${arg_FORMAT}")
  endif()
  if(DEFINED arg_TIME)
    # Google Benchmark reports real_time and cpu_time; TIME cpu judges the latter
    if(NOT "${arg_FORMAT}" STREQUAL "google-benchmark" OR NOT "${arg_TIME}" MATCHES "^(real|cpu)$")
      message(FATAL_ERROR "${where}: TIME is real or cpu, with FORMAT google-benchmark")
    endif()
    list(APPEND run_args --time "${arg_TIME}")
  endif()
  if(DEFINED arg_OUTPUT)
    if(NOT DEFINED arg_FORMAT)
      message(FATAL_ERROR "${where}: OUTPUT names the file a FORMAT tool writes; give FORMAT")
    endif()
    string(REPLACE ";" "\\;" output "${arg_OUTPUT}")
    list(APPEND run_args --output "${output}")
  endif()
  if(DEFINED arg_VERSION)
    string(REPLACE ";" "\\;" version "${arg_VERSION}")
    list(APPEND run_args --bench-version "${version}")
  endif()
  if(arg_SHELL)
    list(APPEND run_args --shell)
  endif()
  _perfbudget_check_environment("${where}" "${arg_ENVIRONMENT}")

  _perfbudget_def_source_line(def_source_line add_perf_test "${name}")
  _perfbudget_session(session_dir)
  _perfbudget_note_budget("${budget}")
  _perfbudget_warn_without_testing("${where}")
  list(APPEND run_args --session "${session_dir}")

  set(working_directory "")
  if(DEFINED arg_WORKING_DIRECTORY)
    _perfbudget_working_directory(dir "${arg_WORKING_DIRECTORY}")
    set(working_directory WORKING_DIRECTORY "${dir}")
  endif()
  add_test(NAME "${name}"
           COMMAND "$<TARGET_FILE:perfbudget::cli>" run ${run_args} -- ${arg_COMMAND}
           ${working_directory})
  _perfbudget_labels(labels "${arg_LABELS}")
  _perfbudget_category(labels "${where}" "${arg_CATEGORY}")
  set_tests_properties("${name}" PROPERTIES
    LABELS "${labels}"
    RUN_SERIAL TRUE
    TIMEOUT ${ctest_timeout}
    SKIP_REGULAR_EXPRESSION PERFBUDGET_SKIP
    FIXTURES_REQUIRED perfbudget_session
    DEF_SOURCE_LINE "${def_source_line}")
  if(arg_ENVIRONMENT)
    set_property(TEST "${name}" PROPERTY ENVIRONMENT "${arg_ENVIRONMENT}")
  endif()
  # The build type joins the environment fingerprint: a Debug run is never a Release baseline.
  # For a command built here, a Debug or empty build type gets a warning in the test's output.
  set_property(TEST "${name}" APPEND PROPERTY ENVIRONMENT
               "PERFBUDGET_BUILD_TYPE=$<CONFIG>" "PERFBUDGET_COMMAND_BUILT=${command_built}")
endfunction()

# ---- perf_discover_tests ------------------------------------------------------------------------

function(perf_discover_tests target)
  set(fn perf_discover_tests)
  set(options "")
  set(one_value BUDGET TEST_PREFIX TIMEOUT WORKING_DIRECTORY MODE CATEGORY PROCESSES CPU)
  set(multi_value LABELS EXTRA_ARGS ENVIRONMENT)
  cmake_parse_arguments(PARSE_ARGV 1 arg "${options}" "${one_value}" "${multi_value}")
  set(_perfbudget_argc ${ARGC})
  foreach(i RANGE 1 ${ARGC})
    if(i LESS ARGC)
      set(_perfbudget_arg_${i} "${ARGV${i}}")
    endif()
  endforeach()
  set(where "${fn}(${target})")
  _perfbudget_check_arguments(${fn} "${target}" "${options}" "${one_value}" "${multi_value}"
                              "EXTRA_ARGS;TEST_PREFIX")
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "${where}: '${target}' is not a target; give the suite executable "
                        "(add_executable(${target} ...) linked to perfbudget::main)")
  endif()
  get_target_property(type "${target}" TYPE)
  if(NOT "${type}" STREQUAL "EXECUTABLE")
    message(FATAL_ERROR "${where}: '${target}' is a ${type}, not an executable")
  endif()
  _perfbudget_require_cli("${where}")
  _perfbudget_check_environment("${where}" "${arg_ENVIRONMENT}")

  set(run_args --ctest)
  # MODE instructions: judged on instructions per iteration, counted by the PMU or, where the
  # kernel has none, under valgrind's callgrind, which the suite starts itself.
  if(DEFINED arg_MODE)
    if(NOT "${arg_MODE}" MATCHES "^(time|instructions)$")
      message(FATAL_ERROR "${where}: MODE '${arg_MODE}' is neither time nor instructions")
    endif()
    list(APPEND run_args --mode "${arg_MODE}")
  endif()
  _perfbudget_budget_file(budget "${where}" "${arg_BUDGET}")
  if(NOT "${budget}" STREQUAL "")
    list(APPEND run_args --budget "${budget}")
  endif()
  # TIMEOUT limits one benchmark (calibration, warm-up and its rounds): the suite stops a
  # benchmark that exceeds it and says so; CTest's own TIMEOUT is only the backstop.
  set(timeout "60")
  if(DEFINED arg_TIMEOUT)
    set(timeout "${arg_TIMEOUT}")
  elseif(DEFINED PERFBUDGET_DEFAULT_TIMEOUT)
    set(timeout "${PERFBUDGET_DEFAULT_TIMEOUT}")
  endif()
  _perfbudget_parse_duration(timeout_ms "${timeout}" "${where}" TIMEOUT)
  list(APPEND run_args --timeout ${timeout_ms}ms)
  # PROCESSES: the benchmark runs in that many fresh processes, each within TIMEOUT.
  _perfbudget_isolation(run_args processes "${where}" "${arg_PROCESSES}" "${arg_CPU}")
  if(processes GREATER 1 AND "${arg_MODE}" STREQUAL "instructions")
    message(FATAL_ERROR "${where}: PROCESSES measures time; MODE instructions counts the same "
                        "in every process")
  endif()
  math(EXPR ctest_timeout_ms "${processes} * ${timeout_ms} + 30000")
  _perfbudget_ms_to_seconds(ctest_timeout "${ctest_timeout_ms}")
  set(working_directory "${CMAKE_CURRENT_BINARY_DIR}")
  if(DEFINED arg_WORKING_DIRECTORY)
    _perfbudget_working_directory(working_directory "${arg_WORKING_DIRECTORY}")
  endif()
  _perfbudget_labels(labels "${arg_LABELS}")
  _perfbudget_category(labels "${fn}(${target})" "${arg_CATEGORY}")
  _perfbudget_def_source_line(def_source_line perf_discover_tests "${target}")
  _perfbudget_session(session_dir)
  _perfbudget_note_budget("${budget}")
  _perfbudget_warn_without_testing("${where}")
  # The suite knows its own build type, run by ctest or by hand alike: perfbudget_main() records
  # it with every result and warns when the code was built as Debug or without optimisation.
  # (A header macro passes it from the source that calls perfbudget_main.)
  get_property(build_type_set TARGET "${target}" PROPERTY _PERFBUDGET_BUILD_TYPE_SET)
  get_target_property(imported "${target}" IMPORTED)
  if(NOT build_type_set AND NOT imported)
    set_property(TARGET "${target}" PROPERTY _PERFBUDGET_BUILD_TYPE_SET TRUE)
    target_compile_definitions("${target}" PRIVATE "PERFBUDGET_BUILD_TYPE=\"$<CONFIG>\"")
  endif()

  if(DEFINED CMAKE_CURRENT_FUNCTION_LIST_DIR)
    set(module_dir "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
  else()
    get_property(module_dir GLOBAL PROPERTY _PERFBUDGET_MODULE_DIR)
  endif()

  # Files of this call, one set per configuration with a multi-config generator; the hash keeps
  # two calls for the same target apart.
  string(SHA256 hash "${ARGN}")
  string(SUBSTRING "${hash}" 0 8 hash)
  string(MAKE_C_IDENTIFIER "perfbudget_${target}_${hash}" base)
  set(base "${CMAKE_CURRENT_BINARY_DIR}/${base}")
  get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  if(multi_config)
    string(APPEND base "_$<CONFIG>")
  endif()
  set(discovery_file "${base}_discovery.cmake")
  set(include_file "${base}_include.cmake")
  set(tests_file "${base}_tests.cmake")

  # Every value goes into the generated script as a bracket argument (names with spaces,
  # semicolons or brackets survive); lists as one bracket argument per element.
  set(values "")
  foreach(item
      TARGET "${target}"
      EXECUTABLE "$<TARGET_FILE:${target}>"
      WORKING_DIRECTORY "${working_directory}"
      TEST_PREFIX "${arg_TEST_PREFIX}"
      TIMEOUT "${ctest_timeout}"
      SESSION_DIR "${session_dir}"
      DEF_SOURCE_LINE "${def_source_line}"
      TESTS_FILE "${tests_file}"
      CMAKE_COMMAND "${CMAKE_COMMAND}")
    if(NOT DEFINED keyword)
      set(keyword "${item}")
    else()
      if(NOT "${item}" STREQUAL "")
        _perfbudget_bracket(quoted "${item}")
        string(APPEND values "  ${keyword} ${quoted}\n")
      endif()
      unset(keyword)
    endif()
  endforeach()
  # The build type joins the environment fingerprint (a Debug run is never a Release baseline).
  list(APPEND arg_ENVIRONMENT "PERFBUDGET_BUILD_TYPE=$<CONFIG>")
  foreach(list_name RUN_ARGS EXTRA_ARGS LABELS ENVIRONMENT)
    if("${list_name}" STREQUAL "RUN_ARGS")
      set(items "${run_args}")
    elseif("${list_name}" STREQUAL "LABELS")
      set(items "${labels}")
    else()
      set(items "${arg_${list_name}}")
    endif()
    if(NOT "${items}" STREQUAL "")
      _perfbudget_brackets(quoted "${items}")
      string(APPEND values "  ${list_name}${quoted}\n")
    endif()
  endforeach()
  file(GENERATE OUTPUT "${discovery_file}" CONTENT
"# Generated by perf_discover_tests(${target}); runs at test time, from ${include_file}.
include(\"${module_dir}/PerfBudgetAddTests.cmake\")
_perfbudget_discover_tests(
${values})
")

  # Read by ctest before it runs anything: list the benchmarks again when the executable or
  # its discovery file is newer than the tests file, or the last listing failed; a missing
  # executable becomes one failing test.
  _perfbudget_bracket(missing_name "${arg_TEST_PREFIX}${target}_NOT_BUILT")
  _perfbudget_bracket(missing_message "perfbudget: ${target} has not been built \
($<TARGET_FILE:${target}> does not exist); build it before running ctest")
  _perfbudget_bracket(labels_quoted "${labels}")
  _perfbudget_bracket(def_quoted "${def_source_line}")
  file(GENERATE OUTPUT "${include_file}" CONTENT
"if(EXISTS \"$<TARGET_FILE:${target}>\")
  if(NOT EXISTS \"${tests_file}\" OR
     NOT \"${tests_file}\" IS_NEWER_THAN \"$<TARGET_FILE:${target}>\" OR
     NOT \"${tests_file}\" IS_NEWER_THAN \"${discovery_file}\" OR
     NOT \"${tests_file}\" IS_NEWER_THAN \"${module_dir}/PerfBudgetAddTests.cmake\" OR
     EXISTS \"${tests_file}.failed\")
    include(\"${discovery_file}\")
  endif()
  include(\"${tests_file}\")
else()
  add_test(${missing_name} \"${CMAKE_COMMAND}\" -E echo ${missing_message})
  set_tests_properties(${missing_name} PROPERTIES WILL_FAIL TRUE LABELS ${labels_quoted}
                       DEF_SOURCE_LINE ${def_quoted})
endif()
")
  if(multi_config)
    string(REPLACE "_$<CONFIG>" "_\${CTEST_CONFIGURATION_TYPE}" include_for_config
                   "${include_file}")
    string(REPLACE "_$<CONFIG>" "" include_file "${include_file}")
    file(WRITE "${include_file}"
"if(EXISTS \"${include_for_config}\")
  include(\"${include_for_config}\")
endif()
")
  endif()
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()


# add_perf_suite_module(<target> <source>... [LINK_LIBRARIES <item>...]): the sources of a suite
# executable (PERFBUDGET_SUITE_MAIN) built as a loadable module for `perfbudget compare
# --interleave`, which needs a shared object (glibc will not dlopen a PIE executable). The module
# gets perfbudget's headers and PERFBUDGET_SUITE_MODULE defined (so the macro leaves main() out),
# and links none of perfbudget: its calls bind to the perfbudget that loads it. Link the code under
# test statically (LINK_LIBRARIES of static libraries or object libraries): a shared library of
# the same name in both modules would be loaded once, and both sides would measure that copy.
function(add_perf_suite_module target)
  set(fn add_perf_suite_module)
  set(options "")
  set(one_value "")
  set(multi_value LINK_LIBRARIES)
  cmake_parse_arguments(PARSE_ARGV 1 arg "${options}" "${one_value}" "${multi_value}")
  set(where "${fn}(${target})")
  set(sources ${arg_UNPARSED_ARGUMENTS})
  if(NOT sources)
    message(FATAL_ERROR "${where}: no source files; usage: ${fn}(<target> <source>... "
                        "[LINK_LIBRARIES <item>...])")
  endif()
  foreach(source IN LISTS sources)
    _perfbudget_close_keyword(close "${source}" "${multi_value}")
    if(close)
      message(FATAL_ERROR "${where}: unknown keyword '${source}' (did you mean ${close}?)")
    endif()
  endforeach()
  if(arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "${where}: LINK_LIBRARIES needs a value")
  endif()
  if(TARGET perfbudget::perfbudget_static)
    set(headers_from perfbudget::perfbudget_static)
  elseif(TARGET perfbudget_static)
    set(headers_from perfbudget_static)
  else()
    message(FATAL_ERROR "${where}: perfbudget's targets are missing; call "
                        "find_package(perfbudget CONFIG REQUIRED) first")
  endif()
  add_library(${target} MODULE ${sources})
  target_compile_definitions(${target} PRIVATE PERFBUDGET_SUITE_MODULE=1)
  target_include_directories(${target} PRIVATE
    $<TARGET_PROPERTY:${headers_from},INTERFACE_INCLUDE_DIRECTORIES>)
  target_compile_features(${target} PRIVATE c_std_11)
  if(arg_LINK_LIBRARIES)
    target_link_libraries(${target} PRIVATE ${arg_LINK_LIBRARIES})
  endif()
endfunction()

cmake_policy(POP)
