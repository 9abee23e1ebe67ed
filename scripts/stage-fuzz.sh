#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzzing stage: builds the libFuzzer target with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, replays the committed corpus (fuzz/corpus) as a
# CTest test, then fuzzes for a bounded time (MEMMAP_FUZZ_SECONDS, default 60).
# A crash leaves its input in build-fuzz/artifacts; add it to fuzz/corpus as
# regress-<what-it-found> once the bug is fixed, so the corpus run keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

need_packages cmake clang libclang-rt-14-dev

build=build-fuzz
seconds=${MEMMAP_FUZZ_SECONDS:-60}
mkdir -p "$build"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMEMMAP_BUILD_FUZZ=ON -DMEMMAP_SANITIZE=address,undefined -DMEMMAP_BUILD_EXAMPLES=OFF \
      > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" --target fuzz_api > "$build/build.log" 2>&1 ||
  { grep -B2 -A6 -E "error|Error" "$build/build.log" | head -60; exit 1; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The corpus as a regression test.
ctest --test-dir "$build" -L fuzz --output-on-failure

# New inputs go to a scratch corpus; the committed one is only read.
rm -rf "$build/corpus" "$build/artifacts"
mkdir -p "$build/corpus" "$build/artifacts"
status=0
"$build/fuzz/fuzz_api" -max_total_time="$seconds" -max_len=512 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/" \
    "$build/corpus" fuzz/corpus > "$build/fuzz.log" 2>&1 || status=$?
grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^Done|INITED|DONE" "$build/fuzz.log" || true
if [ "$status" -ne 0 ]; then
  echo "stage-fuzz: the fuzzer found a broken promise (exit $status):" >&2
  grep -E "broken promise|ERROR: |SUMMARY: " "$build/fuzz.log" | head -20 >&2
  ls -l "$build/artifacts" >&2
  echo "replay with: MEMMAP_FUZZ_TRACE=1 $build/fuzz/fuzz_api $build/artifacts/<file>" >&2
  exit 1
fi
echo "stage-fuzz: ${seconds} s of fuzzing found nothing"
