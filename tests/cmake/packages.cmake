# SPDX-License-Identifier: MIT
# The installed tree as other build systems and other prefixes use it. Run by CTest
# (tests/cmake/CMakeLists.txt), with the arguments of installed_package.cmake. Installs into a
# temporary prefix and moves it, then:
#   - pkg-config: perfbudget.pc (the shared core) and perfbudget-main.pc (a suite's main() with
#     the static core) point into the moved tree, and programs built with them run;
#   - find_package(perfbudget) needs no pkg-config module of jansson, libyaml or SQLite and adds
#     few cache entries; the shared and the static core both link.
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/helpers.cmake)
pb_clean_environment()

file(REMOVE_RECURSE ${WORK_DIR})
pb_build_settings()
set(installed ${WORK_DIR}/installed)
set(moved ${WORK_DIR}/moved)
pb_run(install 0 ${CMAKE_COMMAND} --install ${PERFBUDGET_BINARY_DIR} --prefix ${installed}
       ${config_args})
file(RENAME ${installed} ${moved})
file(GLOB_RECURSE pc_files ${moved}/*/pkgconfig/perfbudget.pc)
get_filename_component(pc_dir "${pc_files}" DIRECTORY)
get_filename_component(lib_dir "${pc_dir}" DIRECTORY)

# ---- pkg-config, from the moved tree ----
find_program(PKG_CONFIG pkg-config REQUIRED)
find_program(CC NAMES cc gcc clang REQUIRED)
set(pc_env ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${pc_dir})
pb_run(pc 0 ${pc_env} ${PKG_CONFIG} --cflags --libs perfbudget)
string(STRIP "${pc_OUTPUT}" pc_flags)
pb_expect_match("perfbudget.pc names the moved tree" "${pc_flags}" "-I${moved}/.*-L${moved}/")
pb_expect_no_match("perfbudget.pc keeps no install prefix" "${pc_flags}" "${installed}")
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
file(WRITE ${WORK_DIR}/version.c
     "#include <perfbudget/perfbudget.h>\n#include <stdio.h>\n"
     "int main(void) { puts(perfbudget_version()); return 0; }\n")
pb_run(compile 0 ${CC} ${CONSUMER_FLAGS} ${WORK_DIR}/version.c -o ${WORK_DIR}/version
       ${pc_flags})
pb_run(version 0 ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${lib_dir} ${WORK_DIR}/version)
pb_expect_match("a program built with perfbudget.pc runs" "${version_OUTPUT}"
                "^[0-9]+\\.[0-9]+\\.[0-9]+")

pb_run(main_pc 0 ${pc_env} ${PKG_CONFIG} --cflags --libs perfbudget-main)
string(STRIP "${main_pc_OUTPUT}" main_flags)
separate_arguments(main_flags UNIX_COMMAND "${main_flags}")
pb_run(compile_suite 0 ${CC} ${CONSUMER_FLAGS} -std=c11
       ${PERFBUDGET_SOURCE_DIR}/tests/cli/counted_suite.c -o ${WORK_DIR}/suite ${main_flags})
pb_run(suite 0 ${WORK_DIR}/suite --list)
pb_expect_match("a suite built with perfbudget-main.pc runs" "${suite_OUTPUT}" "steps")

# ---- find_package() without the dependencies' pkg-config modules ----
set(project ${WORK_DIR}/project)
file(WRITE ${project}/CMakeLists.txt [=[
cmake_minimum_required(VERSION 3.16)
project(uses_perfbudget C)
if(WITH_PERFBUDGET)
  find_package(perfbudget REQUIRED CONFIG)
  add_executable(shared_core version.c)
  target_link_libraries(shared_core PRIVATE perfbudget::perfbudget)
  add_executable(static_core version.c)
  target_link_libraries(static_core PRIVATE perfbudget::perfbudget_static)
endif()
]=])
file(COPY ${WORK_DIR}/version.c DESTINATION ${project})
file(MAKE_DIRECTORY ${WORK_DIR}/no-pc-modules)
foreach(with 0 1)
  pb_run(configure 0 ${CMAKE_COMMAND} -E env PKG_CONFIG_LIBDIR=${WORK_DIR}/no-pc-modules
         PKG_CONFIG_PATH= ${CMAKE_COMMAND} -S ${project} -B ${WORK_DIR}/project-${with}
         -G ${GENERATOR} -DWITH_PERFBUDGET=${with} -DCMAKE_PREFIX_PATH=${moved}
         "-DCMAKE_C_FLAGS=${CONSUMER_FLAGS}")
  file(STRINGS ${WORK_DIR}/project-${with}/CMakeCache.txt entries REGEX "^[A-Za-z_][^:]*:")
  list(LENGTH entries cache_entries_${with})
endforeach()
message(STATUS "ok: find_package(perfbudget) configures with no pkg-config module to be found")
math(EXPR added "${cache_entries_1} - ${cache_entries_0}")
if(added GREATER 5)
  pb_fail("find_package(perfbudget) added ${added} cache entries (at most 5 expected)")
else()
  message(STATUS "ok: find_package(perfbudget) adds ${added} cache entries")
endif()
pb_run(build 0 ${CMAKE_COMMAND} --build ${WORK_DIR}/project-1)
pb_run(shared 0 ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${lib_dir}
       ${WORK_DIR}/project-1/shared_core)
pb_run(static 0 ${WORK_DIR}/project-1/static_core)
pb_expect_match("the static core links with plain library names" "${static_OUTPUT}"
                "^[0-9]+\\.[0-9]+\\.[0-9]+")

pb_finish("installed packages")
