# SPDX-License-Identifier: MIT
# Checks of the build itself: what the shared library exports, and that an
# installed memmap can be found by another project.  Native builds only: the
# consumer is built with the same compiler and run here.
# Every tracked source, script and build file carries the licence line (a git
# checkout only: the list of tracked files comes from git).
find_package(Git QUIET)
if(GIT_EXECUTABLE AND EXISTS ${PROJECT_SOURCE_DIR}/.git)
  add_test(NAME build.spdx_licence_lines COMMAND ${CMAKE_COMMAND}
    -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DGIT=${GIT_EXECUTABLE} -P ${CMAKE_CURRENT_SOURCE_DIR}/check_spdx.cmake)
endif()

# The Debian packaging follows the version written in the header.
if(EXISTS ${PROJECT_SOURCE_DIR}/debian/changelog)
  add_test(NAME build.debian_changelog_version COMMAND ${CMAKE_COMMAND}
    -DCHANGELOG=${PROJECT_SOURCE_DIR}/debian/changelog -DVERSION=${PROJECT_VERSION}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/check_debian_version.cmake)
endif()

# CMakePresets.json parses (the presets need CMake 3.21; older ones cannot read the file).
if(EXISTS ${PROJECT_SOURCE_DIR}/CMakePresets.json AND NOT CMAKE_VERSION VERSION_LESS 3.21)
  add_test(NAME build.cmake_presets COMMAND ${CMAKE_COMMAND} --list-presets=all
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(build.cmake_presets PROPERTIES PASS_REGULAR_EXPRESSION "\"mingw-w64\"")
endif()

# Windows: a program linked to the DLL, placed beside it, runs (under Wine here).
if(MINGW AND MEMMAP_BUILD_SHARED)
  add_executable(demo_dll ${PROJECT_SOURCE_DIR}/examples/demo.c)
  target_link_libraries(demo_dll PRIVATE memmap)
  set_target_properties(demo_dll PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
  file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/demo_dll_run)
  add_test(NAME build.dll_consumer COMMAND demo_dll ${PROJECT_BINARY_DIR}/demo_dll_run)
  set_tests_properties(build.dll_consumer PROPERTIES PASS_REGULAR_EXPRESSION "demo finished")
endif()

if(CMAKE_CROSSCOMPILING OR MEMMAP_SANITIZE OR MEMMAP_TEST_WRAPPER OR NOT MEMMAP_BUILD_SHARED)
  return()
endif()
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_NM)
  add_test(NAME build.exported_symbols COMMAND ${CMAKE_COMMAND}
    -DLIBRARY=$<TARGET_FILE:memmap> -DNM=${CMAKE_NM} -DPOINTER_SIZE=${CMAKE_SIZEOF_VOID_P} -P ${CMAKE_CURRENT_SOURCE_DIR}/check_symbols.cmake)
endif()
if(MEMMAP_BUILD_STATIC)
  add_test(NAME build.install_and_consume COMMAND ${CMAKE_COMMAND}
    -DBUILD_DIR=${PROJECT_BINARY_DIR} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
    -DWORK_DIR=${PROJECT_BINARY_DIR}/install-check -DC_COMPILER=${CMAKE_C_COMPILER}
    "-DC_FLAGS=${CMAKE_C_FLAGS}"
    -DVERSION=${PROJECT_VERSION}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/check_install.cmake)
  set_tests_properties(build.install_and_consume PROPERTIES TIMEOUT 300)
endif()
