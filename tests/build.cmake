# Checks of the build itself: what the shared library exports, and that an
# installed memmap can be found by another project.  Native builds only: the
# consumer is built with the same compiler and run here.
if(CMAKE_CROSSCOMPILING OR MEMMAP_SANITIZE OR MEMMAP_TEST_WRAPPER OR NOT MEMMAP_BUILD_SHARED)
  return()
endif()
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_NM)
  add_test(NAME build.exported_symbols COMMAND ${CMAKE_COMMAND}
    -DLIBRARY=$<TARGET_FILE:memmap> -DNM=${CMAKE_NM} -P ${CMAKE_CURRENT_SOURCE_DIR}/check_symbols.cmake)
endif()
if(MEMMAP_BUILD_STATIC)
  add_test(NAME build.install_and_consume COMMAND ${CMAKE_COMMAND}
    -DBUILD_DIR=${PROJECT_BINARY_DIR} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
    -DWORK_DIR=${PROJECT_BINARY_DIR}/install-check -DC_COMPILER=${CMAKE_C_COMPILER}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/check_install.cmake)
  set_tests_properties(build.install_and_consume PROPERTIES TIMEOUT 300)
endif()
