#!/usr/bin/env bash
# Create .venv with Python 3.11 and put the pinned uv in it; uv installs everything else from
# uv.lock. On a fresh Debian the venv module may be missing: install it with apt.
# Usage: scripts/bootstrap.sh UV_VERSION
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=${1:?uv version}

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

PYTHON_BIN=$(find_python) || { echo "Python 3.11 is needed (python3.11 or python3)." >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  rm -rf .venv
  if ! "$PYTHON_BIN" -m venv .venv 2>/dev/null; then
    # Debian ships venv (and ensurepip) separately.
    rm -rf .venv
    scripts/ensure_packages.sh python3-venv
    "$PYTHON_BIN" -m venv .venv
  fi
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
