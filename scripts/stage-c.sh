#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the C library, tests and examples in one flavour and runs the CTest suite.
#   scripts/stage-c.sh gcc        native build with gcc (also checks install + symbols)
#   scripts/stage-c.sh clang      native build with clang
#   scripts/stage-c.sh asan       AddressSanitizer + UndefinedBehaviorSanitizer (clang)
#   scripts/stage-c.sh valgrind   every test program under valgrind memcheck
#   scripts/stage-c.sh musl       native build with musl-gcc (musl libc instead of glibc)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

flavour=${1:?usage: stage-c.sh gcc|clang|asan|valgrind|musl}
options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
case "$flavour" in
  gcc)      need_packages cmake gcc pkgconf
            options+=(-DCMAKE_C_COMPILER=gcc) ;;
  clang)    need_packages cmake clang
            options+=(-DCMAKE_C_COMPILER=clang) ;;
  asan)     need_packages cmake clang libclang-rt-14-dev
            options+=(-DCMAKE_C_COMPILER=clang -DMEMMAP_SANITIZE=address,undefined) ;;
  valgrind) need_packages cmake gcc valgrind
            options+=(-DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Debug
                      "-DMEMMAP_TEST_WRAPPER=valgrind;--quiet;--fair-sched=yes;--error-exitcode=99;--leak-check=full;--errors-for-leak-kinds=definite,indirect;--trace-children=yes;--vgdb=no") ;;
  musl)     need_packages cmake musl-tools
            options+=(-DCMAKE_C_COMPILER=musl-gcc) ;;
  *)        echo "stage-c.sh: unknown flavour $flavour" >&2; exit 2 ;;
esac

build=build-$flavour
mkdir -p "$build"
cmake -S . -B "$build" "${options[@]}" > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" > "$build/build.log" 2>&1 || { grep -B2 -A6 -E "error|Error" "$build/build.log" | head -60; exit 1; }
# ASan: fail on leaks too; UBSan: stop at the first report.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure --timeout 600
