#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Stage "wine10": the Windows build's whole CTest suite under Debian 13's
# Wine 10, beside stage "wine" (the host's Wine 8).  Wine 10 has the Windows 10
# placeholder calls (VirtualAlloc2 with MEM_RESERVE_PLACEHOLDER,
# MapViewOfFile3 with MEM_REPLACE_PLACEHOLDER) that Wine 8 refuses, so the
# tests are told MEMMAP_TEST_WINE_PLACEHOLDERS=1 here and 0 there.
#
# Cross-builds on the host with mingw-w64 in build-wine/ (the tree stage wine
# builds: after it, only a re-check), then runs ctest inside a Debian 13 root
# with wine and cmake (scripts/chroot.sh: made once with debootstrap from the
# host's Debian mirror, 1 to 2 min, cached in build-chroot/).  The repository is
# bind-mounted at its own path in there, so the build tree's absolute paths
# hold, and the root is seen through a throwaway overlay, so it stays clean.
# The Wine 10 prefix lives in build-wine10/wine-prefix (created once, ~15 s;
# not shared with Wine 8's, since each Wine updates a prefix to its own version).
#
# Run from the repository root.  The stage has a time budget
# (MEMMAP_WINE10_BUDGET seconds, default 900).  Here a warm run took 10 to 30 s,
# one with neither root nor prefix 2 min, and a first build adds about 1 min.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${MEMMAP_WINE10_TIMED:-}" ]; then
  budget=${MEMMAP_WINE10_BUDGET:-900}
  start=$SECONDS
  # timeout runs the stage in a process group of its own, which a Ctrl-C does not
  # reach: pass INT, TERM and HUP to timeout, which passes them to that group.
  MEMMAP_WINE10_TIMED=1 timeout --kill-after=30 "$budget" bash "$0" "$@" &
  timed=$!
  trap 'kill -TERM "$timed" 2>/dev/null || true' INT TERM HUP
  status=0
  wait "$timed" || status=$?
  # A trapped signal ends wait early; the stage is still stopping then.
  while kill -0 "$timed" 2>/dev/null; do
    status=0
    wait "$timed" || status=$?
  done
  [ "$status" = 124 ] && echo "stage-wine10: stopped after the time budget of $budget s"
  echo "stage-wine10: took $((SECONDS - start)) s"
  exit "$status"
fi

source scripts/lib.sh
# No wine on the host: the one that runs the tests comes from the chroot.
need_packages cmake make mingw-w64 debootstrap

build_dir=build-wine
build_for_windows "$build_dir"

echo "== a Debian 13 root with wine"
# Debian 13's wine is wine (the suite) plus wine64 (the 64-bit loader), as in Debian 12.
base=$(bash scripts/chroot.sh base trixie wine wine64 cmake)
mkdir -p build-wine10
# build.spdx_licence_lines asks git for the tracked files: a host matter, with no
# Wine in it, and a git worktree's repository lies outside the bind-mounted tree.
bash scripts/chroot.sh overlay "$base" "$PWD" \
  env MEMMAP_TEST_WINE_PLACEHOLDERS=1 \
  bash scripts/wine-ctest.sh "$build_dir" build-wine10/wine-prefix -E '^build\.spdx_licence_lines$'
