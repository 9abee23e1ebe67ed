# SPDX-License-Identifier: MIT
# ring_pipe between two processes.  Variables: MODE, PROGRAM (ring_pipe),
# GENERATOR (random_bytes), EMULATOR (Wine when cross-compiling: every
# program runs through it, so both sides are Windows processes), WORK (a
# directory of its own), SHELL (POSIX sh, for the modes that kill a side).
#   copy           send 8 MiB of pseudo-random bytes through a 256 KiB ring
#                  (the sender's reads and the receiver's writes land at every
#                  offset of it) and compare the bytes; the names are gone after
#   sender_dies    kill -9 the sender mid-stream (left unreaped, a zombie):
#                  the receiver must exit 1 and say the sender died
#   receiver_dies  kill -9 the receiver mid-stream: the sender must exit 1
#                  and say the receiver died
cmake_minimum_required(VERSION 3.16)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
# A name of its own, so that runs in parallel or a killed run cannot collide.
string(RANDOM LENGTH 10 ALPHABET abcdefghijklmnopqrstuvwxyz0123456789 suffix)
set(name memmap-ring-pipe-test-${suffix})
set(input ${WORK}/input.bin)
set(output ${WORK}/output.bin)
execute_process(COMMAND ${EMULATOR} ${GENERATOR} ${input} 8388608 RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "random_bytes exited with ${status}")
endif()

if(MODE STREQUAL "copy")
  # One pipeline of two commands: CMake starts both at once.  The sender's
  # standard output (nothing) goes to the receiver's standard input (unread).
  execute_process(
    COMMAND ${EMULATOR} ${PROGRAM} send -w 60 ${name}
    COMMAND ${EMULATOR} ${PROGRAM} recv -l 256K -w 60 ${name}
    INPUT_FILE ${input} OUTPUT_FILE ${output} ERROR_VARIABLE errors
    RESULTS_VARIABLE statuses TIMEOUT 300)
  if(NOT statuses STREQUAL "0;0")
    message(FATAL_ERROR "ring_pipe send;recv exited with ${statuses}:\n${errors}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${input} ${output} RESULT_VARIABLE differ)
  if(differ)
    file(SIZE ${output} got)
    message(FATAL_ERROR "the receiver wrote ${got} bytes that differ from the 8388608 sent")
  endif()
  # The receiver removed the names when the sender attached: nothing is left
  # to remove.  (On Windows the names go with the last handle, and unlink
  # only checks the name.)
  if(NOT EMULATOR)
    execute_process(COMMAND ${PROGRAM} unlink ${name} RESULT_VARIABLE status ERROR_QUIET)
    if(status EQUAL 0)
      message(FATAL_ERROR "ring_pipe left its names behind")
    endif()
  endif()
  message(STATUS "ring_pipe moved 8388608 bytes exactly")
  return()
endif()

# The killing modes run a POSIX shell script: the victim reads its standard
# input from a FIFO the script feeds, so it is killed after a known number of
# bytes went through, and not before (the script waits until the receiver's
# output holds them).
set(script [=[
set -u
program=$1 name=$2 work=$3 input=$4 victim=$5
mkfifo "$work/fifo"
"$program" recv -l 256K -w 30 "$name" > "$work/output.bin" 2> "$work/recv.err" &
receiver=$!
"$program" send -w 30 "$name" < "$work/fifo" 2> "$work/send.err" &
sender=$!
exec 3> "$work/fifo"
head -c 1048576 "$input" >&3
tries=0
while [ "$(wc -c < "$work/output.bin")" -lt 1048576 ]; do
  tries=$((tries + 1))
  if [ $tries -gt 3000 ]; then
    echo "the receiver did not write the first MiB within 30 s"
    kill -9 $receiver $sender
    exit 1
  fi
  sleep 0.01
done
if [ "$victim" = sender ]; then
  kill -9 $sender
  # The sender is not reaped before the receiver ends: it stays a zombie.
  wait $receiver
  echo "receiver exited with $?"
  wait $sender
else
  kill -9 $receiver
  wait $receiver
  # More than the ring holds: the sender must wait for room that never comes.
  # It exits, and the write to the FIFO then fails (SIGPIPE), ending head.
  head -c 4194304 "$input" >&3 2> /dev/null
  wait $sender
  echo "sender exited with $?"
fi
exec 3>&-
]=])
file(WRITE ${WORK}/kill.sh "${script}")
if(MODE STREQUAL "sender_dies")
  set(victim sender)
  set(survivor recv)
  set(expected "receiver exited with 1")
  set(message "the sender \\(process [0-9]+\\) exited without ending the stream, after 1048576 bytes")
elseif(MODE STREQUAL "receiver_dies")
  set(victim receiver)
  set(survivor send)
  set(expected "sender exited with 1")
  set(message "the receiver \\(process [0-9]+\\) exited before reading everything, after [0-9]+ bytes")
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
execute_process(COMMAND ${SHELL} ${WORK}/kill.sh ${PROGRAM} ${name} ${WORK} ${input} ${victim}
  OUTPUT_VARIABLE said ERROR_VARIABLE shell_errors RESULT_VARIABLE status TIMEOUT 120)
file(READ ${WORK}/${survivor}.err complaint)
if(NOT said MATCHES "${expected}" OR NOT complaint MATCHES "${message}")
  message(FATAL_ERROR "after killing the ${victim}: ${said}${shell_errors}\n"
    "${survivor} said: ${complaint}\nwanted: ${expected}, and a message matching ${message}")
endif()
execute_process(COMMAND ${PROGRAM} unlink ${name} RESULT_VARIABLE status ERROR_QUIET)
if(status EQUAL 0)
  message(FATAL_ERROR "ring_pipe left its names behind")
endif()
message(STATUS "${survivor}: ${complaint}")
