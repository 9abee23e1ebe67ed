# SPDX-License-Identifier: MIT
# The extension's own sources, written once: CMakeLists.txt includes this file
# and setup.py reads it.
set(MEMMAP_PYTHON_SOURCES
  src/module.c
  src/args.c
  src/errors.c
  src/gate.c
  src/exports.c
  src/core.c
  src/copy.c
  src/map_object.c
  src/mmap_object.c)
