#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CI stage: the Python bindings.
#
# Installs what it needs (Debian packages only, when missing), builds the
# extension with CMake for /usr/bin/python3 into build-python, runs the pytest
# suite against the build tree, builds an sdist, builds an abi3 wheel from it
# outside the repository and tests that wheel installed offline in a fresh
# venv, and runs CPython's own test_mmap suites (this Python's, and those of
# 3.12, 3.13, 3.14 and main from ../shared/cpython-test_mmap) against
# memmap.mmap: see bindings/python/tests/run_test_mmap.py for what fails.
# Run from the repository root: bash scripts/stage-python.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=/usr/bin/python3
BUILD_DIR=build-python

source scripts/lib.sh

need_packages gcc make cmake python3 python3-dev python3-pytest python3-numpy \
    python3-setuptools python3-wheel python3-pip python3-venv || exit 1
py_version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
need_packages "libpython${py_version}-testsuite" || exit 1

echo "== build (CMake, $("$PYTHON" --version))"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMMAP_BUILD_PYTHON=ON \
    -DMEMMAP_PYTHON_EXECUTABLE="$PYTHON" -DBUILD_TESTING=OFF -DMEMMAP_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$BUILD_DIR" --target memmap_python -j "$(nproc)" >/dev/null

status=0
export PYTHONPATH="$PWD/$BUILD_DIR/bindings/python"

echo "== pytest (bindings/python/tests)"
"$PYTHON" -m pytest -p no:cacheprovider -q -rs bindings/python/tests || status=1

echo "== sdist -> abi3 wheel -> fresh venv, offline and outside the repository"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if (cd bindings/python && "$PYTHON" setup.py -q sdist -d "$scratch/dist") >"$scratch/package.log" 2>&1 &&
   rm -rf bindings/python/memmap.egg-info &&
   tar -xzf "$scratch"/dist/memmap-*.tar.gz -C "$scratch" &&
   (cd "$scratch"/memmap-*/ && "$PYTHON" -m pip wheel -q --no-build-isolation --no-deps --no-index \
        -w "$scratch/wheels" .) >>"$scratch/package.log" 2>&1 &&
   ls "$scratch"/wheels/memmap-*-cp311-abi3-*.whl >/dev/null &&
   "$PYTHON" -m venv --system-site-packages "$scratch/venv" &&
   "$scratch/venv/bin/pip" install -q --no-index --no-deps "$scratch"/wheels/memmap-*.whl \
        >>"$scratch/package.log" 2>&1 &&
   mkdir "$scratch/run" &&
   (cd "$scratch/run" && env -u PYTHONPATH "$scratch/venv/bin/python" -m pytest -p no:cacheprovider -q \
        "$scratch"/memmap-*/tests | tail -n 1); then
    echo "installed: $(ls "$scratch"/wheels)"
else
    cat "$scratch/package.log"
    echo "stage-python: the sdist, wheel or installed package failed"
    status=1
fi

echo "== CPython's test_mmap suites against memmap.mmap"
"$PYTHON" bindings/python/tests/run_test_mmap.py || status=1

if [ "$status" = 0 ]; then
    echo "stage-python: OK"
else
    echo "stage-python: FAILED"
fi
exit "$status"
