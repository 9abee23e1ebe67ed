#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ThreadSanitizer stage: builds everything with clang and -fsanitize=thread in
# build-tsan and runs the test cases labelled `threads`; any report fails them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

need_packages cmake clang libclang-rt-14-dev

build=build-tsan
mkdir -p "$build"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMEMMAP_SANITIZE=thread -DMEMMAP_BUILD_EXAMPLES=OFF \
      > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" > "$build/build.log" 2>&1 ||
  { grep -B2 -A6 -E "error|Error" "$build/build.log" | head -60; exit 1; }

# A report makes the program exit with 66 at the end; second stacks help reading races.
export TSAN_OPTIONS="exitcode=66 second_deadlock_stack=1 history_size=4"
ctest --test-dir "$build" -L threads -j "$(nproc)" --output-on-failure --timeout 600
