#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Clean Debian roots for CI stages, made with debootstrap and cached.
#
#   scripts/chroot.sh base SUITE [PACKAGE...]
#       Prints the path of a minimal root of SUITE (bookworm, trixie, ...) with
#       PACKAGEs installed, creating it the first time under build-chroot/
#       (git-ignored).  The same suite and packages give the same cached root.
#   scripts/chroot.sh run BASE DIR COMMAND [ARG...]
#       Runs COMMAND as root inside a throwaway copy of BASE, with DIR copied to
#       /work and /proc mounted; exits with COMMAND's status.  The copy is
#       unmounted and deleted afterwards, also on failure or a signal, so
#       every run starts from the same clean root.
#   scripts/chroot.sh overlay BASE DIR COMMAND [ARG...]
#       Runs COMMAND as root in BASE seen through an overlay, so its writes
#       land in a throwaway layer and BASE stays clean without being copied (a
#       copy and delete of the 1.4 GB root with wine took 4 to 11 s here).
#       DIR is bind-mounted at its own absolute path, so a build tree's
#       absolute paths hold inside, and COMMAND starts there.  /proc, /dev, a
#       fresh /dev/shm and a fresh /tmp are mounted.  Every mount lives in a
#       private mount namespace and every process in a private PID namespace:
#       none is visible outside, and all of them end with COMMAND, also when it
#       is killed; the layer is deleted on exit.
#
# Needs root and debootstrap.  The mirror is the host's own, read from its apt
# sources at run time.
set -euo pipefail
SELF=$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")
cd "$(dirname "$0")/.."
CACHE_DIR=$PWD/build-chroot

die() { echo "chroot.sh: $*" >&2; exit 1; }

# The host's Debian archive: the first URI of its apt sources that is not the security archive.
host_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' | grep -v -- '-security' | head -n 1 || true)
  if [ -z "$uri" ]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
          awk '/^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break } }' |
          grep -v -- '-security' | head -n 1 || true)
  fi
  [ -n "$uri" ] || die "no Debian mirror in /etc/apt/sources.list{,.d}"
  echo "$uri"
}

cmd_base() {
  local suite=${1:?usage: chroot.sh base SUITE [PACKAGE...]}
  shift
  local packages key root
  packages=$(printf '%s\n' "$@" | sort -u | paste -sd, -)
  key=$(printf '%s %s' "$suite" "$packages" | sha256sum | cut -c1-12)
  root=$CACHE_DIR/$suite-$key
  if [ -f "$root/.memmap-chroot-ready" ]; then
    echo "$root"
    return
  fi
  command -v debootstrap >/dev/null || die "debootstrap is not installed"
  rm -rf --one-file-system "$root.partial"
  mkdir -p "$CACHE_DIR"
  local mirror
  mirror=$(host_mirror)
  echo "chroot.sh: debootstrap $suite with ${packages:-no extra packages} (cached in $root)" >&2
  if ! debootstrap --variant=minbase ${packages:+--include="$packages"} "$suite" "$root.partial" "$mirror" \
         > "$CACHE_DIR/$suite-$key.log" 2>&1; then
    tail -n 20 "$CACHE_DIR/$suite-$key.log" >&2
    rm -rf --one-file-system "$root.partial"
    die "debootstrap failed (log: $CACHE_DIR/$suite-$key.log)"
  fi
  # Only a finished root is ever renamed into place, so an interrupted run leaves no half cache.
  touch "$root.partial/.memmap-chroot-ready"
  mv "$root.partial" "$root"
  echo "$root"
}

# Unmounts everything under $1 (deepest first), then deletes it without crossing into any mount left.
remove_root() {
  local root=$1 mounts
  [ -d "$root" ] || return 0
  mounts=$(awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r)
  for m in $mounts; do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
  if awk -v r="$root" '$2 == r || index($2, r "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    echo "chroot.sh: $root still has mounts; not deleting it" >&2
    return 1
  fi
  rm -rf --one-file-system "$root"
}

cmd_run() {
  local base=${1:?usage: chroot.sh run BASE DIR COMMAND...} dir=${2:?usage: chroot.sh run BASE DIR COMMAND...}
  shift 2
  [ $# -gt 0 ] || die "run: no command"
  [ -f "$base/.memmap-chroot-ready" ] || die "$base is not a root made by chroot.sh base"
  [ -d "$dir" ] || die "run: $dir is not a directory"
  # A global: the EXIT trap runs after this function has returned.
  run_root=$(mktemp -d "$CACHE_DIR/run.XXXXXX")
  local root=$run_root
  # From here on, whatever happens, the copy goes away.
  trap 'remove_root "$run_root"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  cp -a "$base/." "$root/"
  mkdir -p "$root/work"
  cp -a "$dir/." "$root/work/"
  mount -t proc proc "$root/proc"
  local status=0
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
    chroot "$root" "$@" || status=$?
  return "$status"
}

cmd_overlay() {
  local base=${1:?usage: chroot.sh overlay BASE DIR COMMAND...} dir=${2:?usage: chroot.sh overlay BASE DIR COMMAND...}
  shift 2
  [ $# -gt 0 ] || die "overlay: no command"
  [ -f "$base/.memmap-chroot-ready" ] || die "$base is not a root made by chroot.sh base"
  [ -d "$dir" ] || die "overlay: $dir is not a directory"
  command -v unshare >/dev/null || die "overlay: unshare (util-linux) is not installed"
  base=$(cd "$base" && pwd -P)
  dir=$(cd "$dir" && pwd -P)
  # Globals: the traps run after this function has returned.
  overlay_layer=$(mktemp -d "$CACHE_DIR/overlay.XXXXXX")
  overlay_pid=
  trap 'stop_overlay; rm -rf --one-file-system "$overlay_layer"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  # In the background, so that a signal runs the traps at once (bash would wait
  # for a foreground command first).  --kill-child: when unshare dies, so does
  # the first process inside, and with it every process of its PID namespace.
  unshare --mount --propagation private --pid --fork --kill-child \
    bash "$SELF" overlay-inside "$overlay_layer" "$base" "$dir" "$@" &
  overlay_pid=$!
  local status=0
  wait "$overlay_pid" || status=$?
  overlay_pid=
  return "$status"
}

# Ends a command still running in overlay, and everything it started.
stop_overlay() {
  [ -n "$overlay_pid" ] || return 0
  kill -KILL "$overlay_pid" 2>/dev/null || true
  wait "$overlay_pid" 2>/dev/null || true
}

# The part of overlay that runs inside the new namespaces: the mounts vanish with them.
cmd_overlay_inside() {
  local layer=$1 base=$2 dir=$3
  shift 3
  local root=$layer/root
  mkdir -p "$layer/upper" "$layer/work" "$root"
  mount -t overlay overlay -o "lowerdir=$base,upperdir=$layer/upper,workdir=$layer/work" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  mkdir -p "$root$dir"
  mount --bind "$dir" "$root$dir"
  exec chroot "$root" /usr/bin/env -i -C "$dir" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"
}

[ "$(id -u)" = 0 ] || die "needs root"
case "${1:-}" in
  base)           shift; cmd_base "$@" ;;
  run)            shift; cmd_run "$@" ;;
  overlay)        shift; cmd_overlay "$@" ;;
  overlay-inside) shift; cmd_overlay_inside "$@" ;;
  *)              die "usage: chroot.sh base SUITE [PACKAGE...] | run BASE DIR COMMAND... | overlay BASE DIR COMMAND..." ;;
esac
