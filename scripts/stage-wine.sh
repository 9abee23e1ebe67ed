#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Stage "wine": cross-builds memmap for 64-bit Windows with mingw-w64 and runs
# the whole CTest suite, examples included, under Wine.
#
# Run from the repository root.  Installs mingw-w64 and wine with apt-get when
# they are missing, builds in build-wine/, keeps its Wine prefix in
# build-wine/wine-prefix (created once, ~15 s), and exits non-zero if any test
# fails.
set -euo pipefail

build_dir=build-wine
jobs=$(nproc 2>/dev/null || echo 2)

log() { printf '== stage-wine: %s\n' "$*"; }

# --- Tools -----------------------------------------------------------------------
source scripts/lib.sh
# wine needs wine64 (the 64-bit loader) here; fonts-wine is what Debian recommends with it.
need_packages cmake make mingw-w64 wine wine64 fonts-wine

# --- Wine ------------------------------------------------------------------------
# Headless: no display, no debug chatter, no Mono/Gecko install dialogs.
mkdir -p "$build_dir"
# Our own prefix, never the caller's: the wineserver of this prefix is killed at the end.
export WINEPREFIX="$PWD/$build_dir/wine-prefix"
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
export WINEARCH=win64
unset DISPLAY

stop_wineserver() { wineserver -k >/dev/null 2>&1 || true; }
trap stop_wineserver EXIT

if [ ! -f "$WINEPREFIX/system.reg" ]; then
    log "creating the Wine prefix $WINEPREFIX"
    wineboot -i </dev/null >/dev/null 2>&1
    wineserver -w
fi
# A wineserver that outlives each test program saves ~2.7 s per test.  Start it
# through a throwaway program with every stream detached, or ctest can hang on
# the server holding its pipes.
wine cmd /c exit </dev/null >/dev/null 2>&1 || true
wineserver -p </dev/null >/dev/null 2>&1 &

# --- Build -----------------------------------------------------------------------
log "configuring $build_dir"
cmake -S . -B "$build_dir" \
    -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw-w64-x86_64.cmake \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMEMMAP_BUILD_SHARED=ON -DMEMMAP_BUILD_STATIC=ON \
    -DMEMMAP_BUILD_EXAMPLES=ON -DBUILD_TESTING=ON </dev/null
log "building"
cmake --build "$build_dir" --parallel "$jobs" </dev/null

# The DLL, its import library and the static library must all exist.
for artifact in libmemmap.dll libmemmap.dll.a libmemmap.a; do
    if ! find "$build_dir" -maxdepth 2 -name "$artifact" | grep -q .; then
        log "missing build artifact $artifact"
        exit 1
    fi
done

# --- Tests -----------------------------------------------------------------------
log "running the suite under $(wine --version 2>/dev/null || echo wine)"
cd "$build_dir"
# Under Wine only, a failed test runs once more: in about one suite run of ten,
# one test program exited at start with no output under load (never reproduced in
# 40 loaded runs of the same case), which is Wine, not the library.  The first
# failure stays in the log; a test that fails twice fails the stage.
ctest --output-on-failure --parallel "$jobs" --timeout 120 --repeat until-pass:2 </dev/null
