# SPDX-License-Identifier: MIT
# Runs mmtouch (PROGRAM, through EMULATOR when cross-compiling) in WORK and
# checks what it reports.  MODE:
#   page_cache    touch gives 100%, evict gives at most 1% (the bound), on the
#                 file system of the build directory, which must have a page cache
#   lock          -l locks every page and ends cleanly on SIGTERM (root only)
#   command_line  -v, -r, errors per file, exit codes, --help
#   tmpfs         on a tmpfs mounted here (root only): evicted pages stay resident
#   basic         under Wine: -t gives 100% of mmtouch's own working set; a report
#                 and an eviction succeed
set(mib_pages 256) # pages of 4 KiB in 1 MiB

# run(<exit code var> <stdout var> args...)
function(run code_var out_var)
  execute_process(COMMAND ${EMULATOR} ${PROGRAM} ${ARGN}
    RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "mmtouch ${ARGN} -> ${code}\n${out}${err}")
  set(${code_var} ${code} PARENT_SCOPE)
  set(${out_var} "${out}" PARENT_SCOPE)
  set(last_stderr "${err}" PARENT_SCOPE)
endfunction()

# resident(<out> <resident var> <total var>): the totals line of a report.
function(resident out resident_var total_var)
  if(NOT out MATCHES "Resident: ([0-9]+)/([0-9]+) pages")
    message(FATAL_ERROR "no totals line in:\n${out}")
  endif()
  set(${resident_var} ${CMAKE_MATCH_1} PARENT_SCOPE)
  set(${total_var} ${CMAKE_MATCH_2} PARENT_SCOPE)
endfunction()

# A file of `mib` MiB of text.
function(make_file path mib)
  string(REPEAT "0123456789abcdef" 65536 one_mib)
  file(WRITE ${path} "")
  foreach(i RANGE 1 ${mib})
    file(APPEND ${path} "${one_mib}")
  endforeach()
endfunction()

function(expect_ok code)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "mmtouch exited with ${code}")
  endif()
endfunction()

# Evicts path and checks at most 1% stays: every page of a file nothing else
# maps can go; the bound leaves room for a concurrent reader of the disk.
function(check_evicted path)
  run(code out -e ${path})
  expect_ok(${code})
  resident("${out}" r t)
  math(EXPR bound "${t} / 100")
  if(r GREATER bound)
    message(FATAL_ERROR "after -e: ${r}/${t} pages resident, more than 1%")
  endif()
endfunction()

function(check_full path what)
  run(code out ${ARGN} ${path})
  expect_ok(${code})
  resident("${out}" r t)
  if(NOT r EQUAL t OR t EQUAL 0)
    message(FATAL_ERROR "${what}: ${r}/${t} pages resident, not all")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

if(MODE STREQUAL "page_cache")
  execute_process(COMMAND stat -f -c %T ${WORK} OUTPUT_VARIABLE fs OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(fs MATCHES "tmpfs|ramfs")
    message("SKIPPED: the build directory is on ${fs}, whose pages cannot be evicted; build on a disk file system")
    return()
  endif()
  message(STATUS "file system of ${WORK}: ${fs}")
  make_file(${WORK}/data 8)
  check_evicted(${WORK}/data)               # written, so dirty: -e writes back, then drops
  check_full(${WORK}/data "after -t" -t)
  check_full(${WORK}/data "a new process after -t")  # the page cache outlives the process
  check_evicted(${WORK}/data)
  run(code out ${WORK}/data)
  resident("${out}" r t)
  math(EXPR want "8 * ${mib_pages}")
  if(NOT t EQUAL want OR r GREATER 20)
    message(FATAL_ERROR "a report after -e: ${r}/${t}, want at most 20/${want}")
  endif()

elseif(MODE STREQUAL "lock")
  execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT uid STREQUAL "0")
    message("SKIPPED: locking 8 MiB needs root (RLIMIT_MEMLOCK is 8 MiB for other users)")
    return()
  endif()
  make_file(${WORK}/data 8)
  # mmtouch -l keeps the pages and is ended by SIGTERM.
  # SIGTERM goes only once mmtouch says it waits (it blocks the signal before
  # saying so); the loop gives up after 60 s.
  execute_process(COMMAND sh -c "'${PROGRAM}' -l '${WORK}/data' > '${WORK}/lock.out' 2>&1 & pid=$!
    n=0; until grep -q 'pages locked; waiting' '${WORK}/lock.out'; do
      n=$((n + 1)); [ $n -gt 1200 ] && break; sleep 0.05; done
    grep VmLck /proc/$pid/status > '${WORK}/vmlck.out'
    kill -TERM $pid; wait $pid"
    RESULT_VARIABLE code)
  file(READ ${WORK}/vmlck.out locked)
  file(READ ${WORK}/lock.out out)
  message(STATUS "mmtouch -l, then SIGTERM -> ${code}\n${out}")
  expect_ok(${code})
  resident("${out}" r t)
  # The kernel's count of this process's locked memory, taken while it waited.
  if(NOT locked MATCHES "VmLck:[ \t]+([0-9]+) kB")
    message(FATAL_ERROR "no VmLck for the waiting mmtouch: ${locked}")
  endif()
  set(locked_kb ${CMAKE_MATCH_1})
  message(STATUS "locked while waiting: ${locked_kb} kB")
  if(NOT r EQUAL t OR NOT out MATCHES "pages locked; waiting" OR locked_kb LESS 8192)
    message(FATAL_ERROR "-l did not lock every page (${locked_kb} kB locked)")
  endif()


elseif(MODE STREQUAL "command_line")
  file(MAKE_DIRECTORY ${WORK}/tree/sub)
  make_file(${WORK}/tree/a 1)
  make_file(${WORK}/tree/sub/b 2)
  file(WRITE ${WORK}/tree/sub/empty "")
  run(code out -t -v -r ${WORK}/tree)
  expect_ok(${code})
  resident("${out}" r t)
  math(EXPR want "3 * ${mib_pages}")
  if(NOT t EQUAL want OR NOT r EQUAL t)
    message(FATAL_ERROR "-t -r over the tree: ${r}/${t}, want ${want}/${want}")
  endif()
  if(NOT out MATCHES "Files: 3  Directories: 2" OR NOT out MATCHES "\n\\[O+\\]\n")
    message(FATAL_ERROR "-v -r: wrong counts or no full bar")
  endif()
  # One bad path does not stop the others; the exit status says something failed.
  run(code out ${WORK}/missing ${WORK}/tree/a ${WORK}/tree)
  if(NOT code EQUAL 1 OR NOT out MATCHES "tree/a\n" OR NOT last_stderr MATCHES "missing:"
     OR NOT last_stderr MATCHES "is a directory")
    message(FATAL_ERROR "errors per file: exit ${code}")
  endif()
  run(code out -t -e ${WORK}/tree/a)
  if(NOT code EQUAL 2)
    message(FATAL_ERROR "-t -e exited with ${code}, want 2")
  endif()
  run(code out -x ${WORK}/tree/a)
  if(NOT code EQUAL 2)
    message(FATAL_ERROR "-x exited with ${code}, want 2")
  endif()
  run(code out)
  if(NOT code EQUAL 2)
    message(FATAL_ERROR "no path: exited with ${code}, want 2")
  endif()
  run(code out --help)
  if(NOT code EQUAL 0 OR NOT out MATCHES "Exit status" OR NOT out MATCHES "-l ")
    message(FATAL_ERROR "--help")
  endif()
  run(code out -q ${WORK}/tree/a)
  if(NOT code EQUAL 0 OR NOT out STREQUAL "")
    message(FATAL_ERROR "-q printed something")
  endif()

elseif(MODE STREQUAL "tmpfs")
  execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT uid STREQUAL "0")
    message("SKIPPED: mounting a tmpfs needs root")
    return()
  endif()
  file(READ /proc/meminfo meminfo)
  if(NOT meminfo MATCHES "SwapTotal: +0 kB")
    message("SKIPPED: this machine has swap, where evicted tmpfs pages may go")
    return()
  endif()
  string(RANDOM LENGTH 8 tag)
  set(mount_dir ${WORK}/mnt-${tag})
  file(MAKE_DIRECTORY ${mount_dir})
  execute_process(COMMAND mount -t tmpfs -o size=16m mmtouch-check ${mount_dir} RESULT_VARIABLE code
    ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message("SKIPPED: cannot mount a tmpfs here: ${err}")
    return()
  endif()
  make_file(${mount_dir}/data 4)
  # Checks run between mount and umount: failures are collected, then reported.
  run(touch_code touch_out -t ${mount_dir}/data)
  run(evict_code evict_out -e ${mount_dir}/data)
  execute_process(COMMAND umount ${mount_dir} RESULT_VARIABLE umount_code)
  file(REMOVE_RECURSE ${mount_dir})
  if(NOT umount_code EQUAL 0)
    message(FATAL_ERROR "could not unmount ${mount_dir}")
  endif()
  expect_ok(${touch_code})
  expect_ok(${evict_code})
  # The documented result: a tmpfs file is its page cache; without swap every page stays.
  resident("${evict_out}" r t)
  math(EXPR want "4 * ${mib_pages}")
  if(NOT r EQUAL want OR NOT t EQUAL want)
    message(FATAL_ERROR "tmpfs after -e: ${r}/${t}, want every page (${want}) resident")
  endif()

elseif(MODE STREQUAL "basic")
  make_file(${WORK}/data 2)
  check_full(${WORK}/data "after -t" -t)
  run(code out ${WORK}/data)
  expect_ok(${code})
  resident("${out}" r t)
  run(code out -e ${WORK}/data)
  expect_ok(${code})
  resident("${out}" r t)
  run(code out ${WORK}/missing)
  if(NOT code EQUAL 1)
    message(FATAL_ERROR "a missing file: exit ${code}, want 1")
  endif()
  file(MAKE_DIRECTORY ${WORK}/tree/sub)
  make_file(${WORK}/tree/a 1)
  make_file(${WORK}/tree/sub/b 1)
  check_full(${WORK}/tree "-t -r over a tree" -t -r)
  if(NOT out MATCHES "Files: 2  Directories: 2")
    message(FATAL_ERROR "-r did not find both files in both directories")
  endif()

else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
