#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Stage "wine": cross-builds memmap for 64-bit Windows with mingw-w64 and runs
# the whole CTest suite, examples included, under the host's Wine (8.0 on
# Debian 12).
#
# Run from the repository root.  Installs mingw-w64 and wine with apt-get when
# they are missing, builds in build-wine/, keeps its Wine prefix in
# build-wine/wine-prefix (created once, ~15 s), and exits non-zero if any test
# fails.  Stage wine10 runs the same build tree under Debian 13's Wine 10.
set -euo pipefail

build_dir=build-wine

# --- Tools -----------------------------------------------------------------------
source scripts/lib.sh
# wine needs wine64 (the 64-bit loader) here; fonts-wine is what Debian recommends with it.
need_packages cmake make mingw-w64 wine wine64 fonts-wine

# --- Build -----------------------------------------------------------------------
build_for_windows "$build_dir"

# --- Tests -----------------------------------------------------------------------
# Wine 8 has no placeholders (VirtualAlloc2 with MEM_RESERVE_PLACEHOLDER is error 87).
MEMMAP_TEST_WINE_PLACEHOLDERS=0 bash scripts/wine-ctest.sh "$build_dir" "$build_dir/wine-prefix"
