# SPDX-License-Identifier: MIT
# Installs the build into a scratch prefix and builds a consumer against it
# twice: with find_package (shared and static targets) and with pkg-config.
# Variables: BUILD_DIR, SOURCE_DIR, WORK_DIR, C_COMPILER.
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

# find_package
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/consumer
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${C_COMPILER})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
set(ENV{LD_LIBRARY_PATH} ${prefix}/lib:${prefix}/lib64)
foreach(program consumer_shared consumer_static)
  run(${WORK_DIR}/consumer/${program})
  if(NOT last_output MATCHES "installed memmap works")
    message(FATAL_ERROR "${program} printed: ${last_output}")
  endif()
endforeach()

# pkg-config
file(GLOB pc_dirs ${prefix}/lib*/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "${pc_dirs}")
run(pkg-config --cflags --libs memmap)
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${C_COMPILER} ${SOURCE_DIR}/tests/consumer/main.c ${flags} -o ${WORK_DIR}/consumer_pkgconfig)
run(${WORK_DIR}/consumer_pkgconfig)
if(NOT last_output MATCHES "installed memmap works")
  message(FATAL_ERROR "the pkg-config consumer printed: ${last_output}")
endif()
message(STATUS "find_package and pkg-config consumers work")
