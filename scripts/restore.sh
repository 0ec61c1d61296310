#!/usr/bin/env bash
# Restore a backup of scripts/backup.sh (docs/operations.md "Backups"): the dump into the
# database of DATABASE_URL (created when missing; its objects replaced), the files into
# MEDIA_ROOT.
#
#   scripts/restore.sh DUMP MEDIA_ARCHIVE
#
# Stop the web, worker and beat processes first; start them again afterwards (then run
# `manage.py migrate` if the backup is older than the code).
set -euo pipefail
dump=${1:?usage: scripts/restore.sh DUMP MEDIA_ARCHIVE}
archive=${2:?usage: scripts/restore.sh DUMP MEDIA_ARCHIVE}
: "${DATABASE_URL:?set DATABASE_URL (postgres://user@host:port/name)}"
media=${MEDIA_ROOT:-var/media}
name=${DATABASE_URL##*/}
name=${name%%\?*}
server=${DATABASE_URL%/*}
if ! psql "$server/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
  psql "$server/postgres" -qc "CREATE DATABASE \"$name\""
fi
pg_restore --clean --if-exists --no-owner --exit-on-error --dbname="$DATABASE_URL" "$dump"
mkdir -p "$media"
tar -xzf "$archive" -C "$media"
echo "restored $dump into $name and $archive into $media"
