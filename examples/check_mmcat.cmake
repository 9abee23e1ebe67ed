# SPDX-License-Identifier: MIT
# Runs mmcat on INPUT (through EMULATOR when cross-compiling) and checks it
# exits 0 and prints exactly the file.
execute_process(COMMAND ${EMULATOR} ${PROGRAM} ${INPUT} ${INPUT}
  OUTPUT_FILE ${OUTPUT} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "mmcat exited with ${status}")
endif()
file(READ ${INPUT} one HEX)
file(READ ${OUTPUT} got HEX)
if(NOT got STREQUAL "${one}${one}")
  message(FATAL_ERROR "mmcat's output differs from two copies of ${INPUT}")
endif()
