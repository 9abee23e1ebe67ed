#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CI stage: the Debian packages.
#
# Builds the .debs from a copy of the tracked sources (in build-debian/, so the
# results never land outside the repository), runs lintian on them (any error
# or warning fails), then installs them into a throwaway copy of a clean
# Debian 12 root (scripts/chroot.sh, cached in build-chroot/) and there builds
# and runs a C consumer through pkg-config and through find_package, maps a
# file from python3 and runs mmcat (scripts/debian-chroot-checks.sh).
#
# The C and Python suites already run in their own stages, so the packages are
# built with nocheck here; `bash scripts/stage-debian.sh --check` runs them
# inside the package build too, as a plain `dpkg-buildpackage -us -uc -b` does.
# The whole stage has a time budget (MEMMAP_DEBIAN_BUDGET seconds, default 1800;
# the first run spends most of it on debootstrap, later runs reuse its root).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${MEMMAP_DEBIAN_TIMED:-}" ]; then
  budget=${MEMMAP_DEBIAN_BUDGET:-1800}
  start=$SECONDS
  status=0
  MEMMAP_DEBIAN_TIMED=1 timeout --kill-after=60 "$budget" bash "$0" "$@" || status=$?
  [ "$status" = 124 ] && echo "stage-debian: stopped after the time budget of $budget s"
  echo "stage-debian: took $((SECONDS - start)) s"
  exit "$status"
fi

source scripts/lib.sh
check=no
[ "${1:-}" = "--check" ] && check=yes

build_deps=(dpkg-dev debhelper dh-python python3-all-dev python3-setuptools pybuild-plugin-pyproject
            cmake pkgconf man-db)
[ "$check" = yes ] && build_deps+=(python3-pytest python3-numpy git)
need_packages "${build_deps[@]}" lintian debootstrap || exit 1

work=$PWD/build-debian
version=$(sed -n 's/^#define MEMMAP_VERSION_\(MAJOR\|MINOR\|PATCH\) \+\([0-9]\+\)$/\2/p' include/memmap.h | paste -sd. -)
major_minor=${version%.*}

echo "== copy the sources ($version) to $work/src"
rm -rf "$work/src" "$work/chroot-input"
mkdir -p "$work/src/memmap"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked files plus new ones not yet committed (but nothing git ignores).
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar -cf - --null -T - | tar -xf - -C "$work/src/memmap"
else
  tar -cf - --exclude='./build*' . | tar -xf - -C "$work/src/memmap"
fi

echo "== dpkg-buildpackage -us -uc -b ($([ "$check" = yes ] && echo "with the test suites" || echo nocheck))"
# A clean PATH: the build must use Debian's python3, whatever else is installed.
build_env=(env PATH=/usr/sbin:/usr/bin:/sbin:/bin)
[ "$check" = no ] && build_env+=(DEB_BUILD_OPTIONS=nocheck DEB_BUILD_PROFILES=nocheck)
if ! (cd "$work/src/memmap" && "${build_env[@]}" dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log"
  echo "stage-debian: dpkg-buildpackage failed (log: $work/build.log)"
  exit 1
fi
ls "$work"/src/*.deb | sed 's|.*/|   |'

echo "== lintian"
status=0
lintian --info --fail-on error,warning "$work"/src/memmap_"$version"_*.changes > "$work/lintian.log" 2>&1 ||
  status=$?
grep -v "running with root privileges" "$work/lintian.log" || true
if [ "$status" != 0 ] || grep -qE '^[EW]: ' "$work/lintian.log"; then
  echo "stage-debian: lintian failed (exit $status) or reports errors or warnings"
  exit 1
fi
echo "   no errors, no warnings ($(grep -c '^I: ' "$work/lintian.log" || true) info tags)"

echo "== a clean Debian 12 root"
base=$(bash scripts/chroot.sh base bookworm gcc libc6-dev make cmake pkgconf python3 man-db)
mkdir -p "$work/chroot-input/debs"
cp "$work"/src/*.deb "$work/chroot-input/debs/"
rm -f "$work"/chroot-input/debs/*-dbgsym_*.deb
cp -r tests/consumer "$work/chroot-input/consumer"
cp scripts/debian-chroot-checks.sh "$work/chroot-input/"
bash scripts/chroot.sh run "$base" "$work/chroot-input" sh /work/debian-chroot-checks.sh "$major_minor"
echo "stage-debian: OK"
