# SPDX-License-Identifier: MIT
# Shared by the stage scripts.

# need_packages PKG...: installs the Debian packages that are missing (apt-get update once per run).
need_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  if [ -z "${MEMMAP_APT_UPDATED:-}" ]; then
    apt-get update -qq
    export MEMMAP_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
}

# build_for_windows DIR: cross-builds memmap, its tests and examples for 64-bit Windows with
# mingw-w64 in DIR, and checks that the DLL, its import library and the static library exist.
# The tests' emulator is /usr/bin/wine by name, found or not: Debian's wine sits there on the
# host and in the chroot of stage wine10 alike, so one build tree serves both stages.
build_for_windows() {
  local dir=$1 jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  echo "== configuring $dir"
  cmake -S . -B "$dir" \
      -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw-w64-x86_64.cmake \
      -DMEMMAP_WINE=/usr/bin/wine \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMEMMAP_BUILD_SHARED=ON -DMEMMAP_BUILD_STATIC=ON \
      -DMEMMAP_BUILD_EXAMPLES=ON -DBUILD_TESTING=ON </dev/null || return 1
  echo "== building $dir"
  cmake --build "$dir" --parallel "$jobs" </dev/null || return 1
  local artifact
  for artifact in libmemmap.dll libmemmap.dll.a libmemmap.a; do
    if ! find "$dir" -maxdepth 2 -name "$artifact" | grep -q .; then
      echo "build_for_windows: missing build artifact $artifact" >&2
      return 1
    fi
  done
}
