# SPDX-License-Identifier: MIT
# The newest entry of debian/changelog must carry the project's version (the
# header's), with or without a Debian revision: the version is written once.
# Variables: CHANGELOG, VERSION.
cmake_minimum_required(VERSION 3.16)
file(STRINGS ${CHANGELOG} first LIMIT_COUNT 1)
if(NOT first MATCHES "^[a-z0-9.+-]+ \\(([^)]+)\\) ")
  message(FATAL_ERROR "not a changelog entry: ${first}")
endif()
set(debian_version ${CMAKE_MATCH_1})
string(REGEX REPLACE "-[^-]*$" "" upstream_version "${debian_version}")
if(NOT upstream_version STREQUAL VERSION)
  message(FATAL_ERROR "debian/changelog's newest entry is ${debian_version}; the header says ${VERSION}. "
    "Add an entry (dch -v ${VERSION}) when the version changes.")
endif()
message(STATUS "debian/changelog is at ${debian_version}, the header at ${VERSION}")
