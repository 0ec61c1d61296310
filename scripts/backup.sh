#!/usr/bin/env bash
# Back up the system of record: the database as a pg_dump custom-format archive and the uploaded
# files (MEDIA_ROOT) as a tar.gz, into DIR (docs/operations.md "Backups").
#
#   scripts/backup.sh DIR        # DATABASE_URL and MEDIA_ROOT say what to back up
#
# Prints the two files it wrote. The database is dumped first: a file uploaded in between is in
# the archive without its row (harmless); the other way round a row could lack its file.
set -euo pipefail
dir=${1:?usage: scripts/backup.sh DIR}
: "${DATABASE_URL:?set DATABASE_URL (postgres://user@host:port/name)}"
media=${MEDIA_ROOT:-var/media}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dir"
dump="$dir/crm-$stamp.dump"
archive="$dir/media-$stamp.tar.gz"
pg_dump --format=custom --no-owner --file="$dump" "$DATABASE_URL"
mkdir -p "$media"
tar -czf "$archive" -C "$media" .
echo "$dump"
echo "$archive"
