#!/usr/bin/env bash
# Install Debian packages that are missing (as root, or through sudo).
# Usage: scripts/ensure_packages.sh PACKAGE...
set -euo pipefail
[ $# -gt 0 ] || exit 0

missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -gt 0 ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null; then
  SUDO=(sudo)
else
  echo "Missing Debian packages: ${missing[*]}. Install them as root (apt-get install ${missing[*]})" >&2
  echo "or run this again as root or with sudo available." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "Installing ${missing[*]}…"
# Package lists: refresh when there are none or they are older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 -print -quit 2>/dev/null)" ]; then
  "${SUDO[@]}" apt-get update -qq
fi
if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  # Stale lists (a package moved): refresh once and try again.
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
