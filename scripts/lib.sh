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
