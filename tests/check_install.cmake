# SPDX-License-Identifier: MIT
# Installs the build into a scratch prefix and builds a consumer against it
# twice: with find_package (shared and static targets) and with pkg-config.
# Then checks the version policy of the CMake package: while the major version
# is 0, find_package accepts only the same major.minor.
# Variables: BUILD_DIR, SOURCE_DIR, WORK_DIR, C_COMPILER, C_FLAGS (the library's
# own, such as -m32: the consumers are built the same way), VERSION (the project's).
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# The manual pages, where man looks (when they were built and man is here).
find_program(man_program man)
if(man_program AND EXISTS ${BUILD_DIR}/man/pages/man7/memmap.7)
  set(ENV{MANPATH} ${prefix}/share/man)
  run(${man_program} -w memmap_open memmap_unlock memmap)
  if(NOT last_output MATCHES "share/man/man3/memmap_open\\.3" OR NOT last_output MATCHES "man7/memmap\\.7")
    message(FATAL_ERROR "man -w found: ${last_output}")
  endif()
  unset(ENV{MANPATH})
endif()

# find_package
string(REGEX MATCH "^[0-9]+\\.[0-9]+" major_minor "${VERSION}")
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/consumer
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${C_COMPILER} "-DCMAKE_C_FLAGS=${C_FLAGS}"
    -DMEMMAP_WANTED=${major_minor})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
file(GLOB lib_dirs ${prefix}/lib ${prefix}/lib64 ${prefix}/lib/*-*)
list(JOIN lib_dirs ":" lib_dirs)
set(ENV{LD_LIBRARY_PATH} "${lib_dirs}")
foreach(program consumer_shared consumer_static)
  run(${WORK_DIR}/consumer/${program})
  if(NOT last_output MATCHES "installed memmap works")
    message(FATAL_ERROR "${program} printed: ${last_output}")
  endif()
endforeach()

# pkg-config
# lib, lib64 or a multiarch lib/<triplet> (as Debian builds set CMAKE_INSTALL_LIBDIR).
file(GLOB pc_dirs ${prefix}/lib*/pkgconfig ${prefix}/lib/*/pkgconfig)
list(JOIN pc_dirs ":" pc_dirs)
set(ENV{PKG_CONFIG_PATH} "${pc_dirs}")
run(pkg-config --cflags --libs memmap)
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(library_flags UNIX_COMMAND "${C_FLAGS}")
run(${C_COMPILER} ${library_flags} ${SOURCE_DIR}/tests/consumer/main.c ${flags} -o ${WORK_DIR}/consumer_pkgconfig)
run(${WORK_DIR}/consumer_pkgconfig)
if(NOT last_output MATCHES "installed memmap works")
  message(FATAL_ERROR "the pkg-config consumer printed: ${last_output}")
endif()
run(pkg-config --modversion memmap)
string(STRIP "${last_output}" pc_version)
if(NOT pc_version STREQUAL VERSION)
  message(FATAL_ERROR "pkg-config says version ${pc_version}, the project is ${VERSION}")
endif()

# The version policy: find_package(memmap <wanted>) in a scratch project, by the
# version file alone (no compiler needed; so no library architecture either:
# memmap_DIR names the installed package directory).
file(GLOB config_dir ${prefix}/lib*/cmake/memmap ${prefix}/lib/*/cmake/memmap)
function(find_package_accepts wanted result_var)
  set(dir ${WORK_DIR}/find-${wanted})
  file(MAKE_DIRECTORY ${dir})
  file(WRITE ${dir}/CMakeLists.txt "cmake_minimum_required(VERSION 3.16)\nproject(probe NONE)\nfind_package(memmap ${wanted} REQUIRED)\n")
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${dir} -B ${dir}/build -Dmemmap_DIR=${config_dir}
    RESULT_VARIABLE status OUTPUT_QUIET ERROR_QUIET)
  if(status EQUAL 0)
    set(${result_var} TRUE PARENT_SCOPE)
  else()
    set(${result_var} FALSE PARENT_SCOPE)
  endif()
endfunction()
string(REPLACE "." ";" parts "${VERSION}")
list(GET parts 0 major)
list(GET parts 1 minor)
math(EXPR next_minor "${minor} + 1")
set(accepted ${major}.${minor} ${VERSION})
set(refused ${major}.${next_minor})
if(major EQUAL 0)
  if(minor GREATER 0)
    math(EXPR previous_minor "${minor} - 1")
    list(APPEND refused 0.${previous_minor} 0.${previous_minor}.5)
  endif()
else()
  math(EXPR next_major "${major} + 1")
  list(APPEND refused ${next_major}.0)
endif()
foreach(wanted IN LISTS accepted)
  find_package_accepts(${wanted} ok)
  if(NOT ok)
    message(FATAL_ERROR "find_package(memmap ${wanted}) refused the installed ${VERSION}")
  endif()
endforeach()
foreach(wanted IN LISTS refused)
  find_package_accepts(${wanted} ok)
  if(ok)
    message(FATAL_ERROR "find_package(memmap ${wanted}) accepted the installed ${VERSION}")
  endif()
endforeach()
message(STATUS "find_package and pkg-config consumers work; ${VERSION} accepted as ${accepted}, refused as ${refused}")
