#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every test suite of memmap, installing what is missing (Debian packages).
# Usage: scripts/test-all.sh [stage...]    (default: every stage)
# Prints each suite's own summary, then one line per stage, and exits non-zero
# if any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

all_stages=(gcc clang asan valgrind tsan m32 musl python wine wine10 fuzz debian)
stages=("${@:-${all_stages[@]}}")

# Everything the stages need, in one apt-get run.
packages=(cmake gcc clang libclang-rt-14-dev valgrind pkgconf python3-dev python3-pytest python3-numpy
          python3-setuptools python3-wheel python3-pip python3-venv libpython3.11-testsuite make mingw-w64 wine wine64 fonts-wine
          gcc-multilib qemu-user-static musl-tools debootstrap)
need_packages "${packages[@]}" || { echo "test-all: could not install ${packages[*]}" >&2; exit 1; }

# stage NAME -> the command that runs it
command_for() {
  case "$1" in
    gcc|clang|asan|valgrind|musl) echo "scripts/stage-c.sh $1" ;;
    *)                       echo "scripts/stage-$1.sh" ;;
  esac
}

passed=0 failed=0 results=()
for stage in "${stages[@]}"; do
  cmd=$(command_for "$stage")
  script=${cmd%% *}
  if [ ! -f "$script" ]; then
    echo "test-all: no script for stage $stage ($script)" >&2
    results+=("FAIL  $stage (missing $script)"); failed=$((failed + 1)); continue
  fi
  echo "================ stage: $stage ================"
  start=$SECONDS
  if bash $cmd; then
    results+=("PASS  $stage ($((SECONDS - start)) s)"); passed=$((passed + 1))
  else
    results+=("FAIL  $stage ($((SECONDS - start)) s)"); failed=$((failed + 1))
  fi
done

echo "================ summary ================"
printf '%s\n' "${results[@]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
