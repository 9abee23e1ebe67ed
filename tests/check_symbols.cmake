# SPDX-License-Identifier: MIT
# Checks that the shared library exports memmap_* symbols and nothing else and,
# in 32-bit builds, that it calls only the 64-bit-offset forms of the file
# functions (mmap64, not mmap: offsets past 4 GiB must not wrap).
# Variables: LIBRARY, NM, POINTER_SIZE.
execute_process(COMMAND ${NM} -D --defined-only ${LIBRARY} OUTPUT_VARIABLE out RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIBRARY}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(count 0)
foreach(line IN LISTS lines)
  if(line MATCHES " [TDBRVW] ([^ ]+)$")
    set(symbol ${CMAKE_MATCH_1})
    # _init and _fini are the DT_INIT/DT_FINI entry points that the C
    # runtime's crti.o puts in every shared object (musl exports them).
    if(symbol MATCHES "^(_init|_fini)$")
      continue()
    endif()
    if(NOT symbol MATCHES "^memmap_")
      message(FATAL_ERROR "exported symbol outside the memmap_ prefix: ${symbol}")
    endif()
    math(EXPR count "${count} + 1")
  endif()
endforeach()
if(POINTER_SIZE EQUAL 4)
  execute_process(COMMAND ${NM} -D --undefined-only ${LIBRARY} OUTPUT_VARIABLE undefined)
  string(REGEX MATCHALL " U (mmap|pread|pwrite|ftruncate|truncate|fstat|stat|lstat|fallocate|posix_fallocate|lseek|open|fcntl)(@[^\n]*)?\n"
         narrow "${undefined}")
  if(narrow)
    message(FATAL_ERROR "32-bit file offsets used: ${narrow}")
  endif()
endif()
if(count LESS 20)
  message(FATAL_ERROR "only ${count} memmap_ symbols exported")
endif()
message(STATUS "${count} symbols exported, all memmap_*")
