# SPDX-License-Identifier: MIT
# Fails when a MEMMAP_API function of the header has no manual page, when
# memmap(7) is missing, or when man(1) warns about a page (the check lintian
# makes).  The function names are read here with a simpler rule than the
# generator's, so a declaration the generator misreads shows up.
# Every installed program (PROGRAMS: their sources) needs its section 1 page.
# Variables: HEADER, PAGES (the generated man directory), MAN (man(1), may be
# empty), PROGRAMS.
cmake_minimum_required(VERSION 3.16)
file(STRINGS ${HEADER} declarations REGEX "^MEMMAP_API ")
set(missing "")
set(pages "${PAGES}/man7/memmap.7")
if(NOT EXISTS ${PAGES}/man7/memmap.7)
  string(APPEND missing "\n  memmap(7)")
endif()
foreach(line IN LISTS declarations)
  if(NOT line MATCHES "(memmap_[A-Za-z0-9_]+) *\\(")
    message(FATAL_ERROR "no function name in: ${line}")
  endif()
  set(name ${CMAKE_MATCH_1})
  if(EXISTS ${PAGES}/man3/${name}.3)
    list(APPEND pages ${PAGES}/man3/${name}.3)
  else()
    string(APPEND missing "\n  ${name}(3)")
  endif()
endforeach()
foreach(source IN LISTS PROGRAMS)
  get_filename_component(name ${source} NAME_WE)
  if(EXISTS ${PAGES}/man1/${name}.1)
    list(APPEND pages ${PAGES}/man1/${name}.1)
  else()
    string(APPEND missing "\n  ${name}(1)")
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "functions and programs with no manual page:${missing}")
endif()
list(LENGTH declarations count)

if(NOT MAN)
  message(STATUS "${count} functions, each with its page (man(1) is not installed: pages not linted)")
  return()
endif()
set(ENV{MANROFFSEQ} "")
set(ENV{MANWIDTH} 80)
set(ENV{LC_ALL} C.UTF-8)
foreach(page IN LISTS pages)
  # A page that only sources another (.so) is checked through that one; man -l cannot resolve it.
  file(STRINGS ${page} first LIMIT_COUNT 1)
  if(first MATCHES "^\\.so ")
    continue()
  endif()
  execute_process(COMMAND ${MAN} --warnings -E UTF-8 -l -Tutf8 -Z ${page}
    RESULT_VARIABLE status OUTPUT_QUIET ERROR_VARIABLE warnings)
  if(NOT status EQUAL 0 OR NOT warnings STREQUAL "")
    message(FATAL_ERROR "man warns about ${page} (exit ${status}):\n${warnings}")
  endif()
endforeach()
message(STATUS "${count} functions, each with its page; man(1) finds nothing to warn about")
