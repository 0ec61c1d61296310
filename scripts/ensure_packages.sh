#!/usr/bin/env bash
# Install Debian packages when missing (as root, or through sudo).
set -euo pipefail
[ $# -gt 0 ] || exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ ! -f /var/lib/apt/periodic/crm-updated ] || [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
  $SUDO apt-get update -qq
  $SUDO mkdir -p /var/lib/apt/periodic && $SUDO touch /var/lib/apt/periodic/crm-updated
fi
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
