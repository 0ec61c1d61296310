#!/usr/bin/env bash
# Before `uv sync`: what the dependencies without a binary wheel need to build. python-ldap
# (under django-auth-ldap, the directory sign-in) publishes none for Linux, so uv builds it
# from source against OpenLDAP's and SASL's headers with a C compiler and Python's headers.
# Nothing to do when it is already installed in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if [ -x "$PY" ] && "$PY" -c 'import ldap' 2>/dev/null; then
  exit 0
fi
packages=(gcc libc6-dev libldap2-dev libsasl2-dev)
# A Debian python3.11 keeps Python.h in a package of its own (a pyenv or python.org build has it).
include=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null || true)
if [ -z "$include" ] || [ ! -f "$include/Python.h" ]; then
  packages+=(python3.11-dev)
fi
scripts/ensure_packages.sh "${packages[@]}"
