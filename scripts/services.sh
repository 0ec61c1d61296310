#!/usr/bin/env bash
# Make sure the PostgreSQL of DATABASE_URL and the Redis of CELERY_BROKER_URL answer, that
# Chromium and a CJK font are there for the browser tests, and slapd for the directory sign-in
# tests. Uses what already runs; starts what is installed; installs with apt what is missing
# (PostgreSQL and Redis only when they are meant to run on this machine).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must be set}"
: "${CELERY_BROKER_URL:?CELERY_BROKER_URL must be set}"
PY=.venv/bin/python

# Split a URL into "host port user password" with Python (always there by now).
url_part() { $PY -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print({"host": p.hostname or "127.0.0.1", "port": p.port or int(sys.argv[3]), "user": p.username or "", "password": u.unquote(p.password or "")}[sys.argv[2]])' "$1" "$2" "$3"; }
is_local() { case "$1" in 127.0.0.1|localhost|::1) return 0 ;; *) return 1 ;; esac; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "Need root (or sudo) to run: $*" >&2; return 1
  fi
}
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"
  else sudo -u postgres "$@"
  fi
}

# --- PostgreSQL --------------------------------------------------------------------------------
PG_HOST=$(url_part "$DATABASE_URL" host 5432)
PG_PORT=$(url_part "$DATABASE_URL" port 5432)
PG_USER=$(url_part "$DATABASE_URL" user 5432)
PG_PASSWORD=$(url_part "$DATABASE_URL" password 5432)

pg_connects() {
  $PY - "$DATABASE_URL" <<'PY' 2>/dev/null
import sys
import psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
psycopg.connect(url, connect_timeout=3).close()
PY
}

start_local_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    scripts/ensure_packages.sh postgresql
  fi
  local version
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  if [ ! -d "/etc/postgresql/$version/main" ]; then
    as_root pg_createcluster "$version" main
  fi
  # No systemd in containers: start the cluster directly.
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  for _ in $(seq 1 60); do
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break
    sleep 0.5
  done
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" || { echo "PostgreSQL did not start" >&2; exit 1; }
}

if ! pg_connects; then
  if ! is_local "$PG_HOST"; then
    echo "PostgreSQL at $PG_HOST:$PG_PORT does not answer (DATABASE_URL)." >&2
    exit 1
  fi
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null || start_local_postgres
  if ! pg_connects; then
    # A fresh Debian cluster asks for a password over TCP: give the role the one in the URL.
    echo "Setting the password of PostgreSQL role ${PG_USER:-postgres} from DATABASE_URL…"
    as_postgres psql -q -v ON_ERROR_STOP=1 -v role="${PG_USER:-postgres}" -v pw="$PG_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN SUPERUSER', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role', :'pw') \gexec
SQL
  fi
  pg_connects || { echo "Cannot connect to PostgreSQL with DATABASE_URL=$DATABASE_URL" >&2; exit 1; }
fi
echo "PostgreSQL: ok ($PG_HOST:$PG_PORT)"

# --- Redis -------------------------------------------------------------------------------------
REDIS_HOST=$(url_part "$CELERY_BROKER_URL" host 6379)
REDIS_PORT=$(url_part "$CELERY_BROKER_URL" port 6379)
redis_up() {
  $PY -c "import redis, sys; redis.Redis(host=sys.argv[1], port=int(sys.argv[2]), socket_connect_timeout=2).ping()" \
    "$REDIS_HOST" "$REDIS_PORT" 2>/dev/null
}
if ! redis_up; then
  if ! is_local "$REDIS_HOST"; then
    echo "Redis at $REDIS_HOST:$REDIS_PORT does not answer (CELERY_BROKER_URL)." >&2
    exit 1
  fi
  command -v redis-server >/dev/null || scripts/ensure_packages.sh redis-server
  # A throwaway broker for the tests: no persistence, started without systemd.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /tmp --logfile "/tmp/crm-redis-$REDIS_PORT.log"
  for _ in $(seq 1 40); do redis_up && break; sleep 0.25; done
  redis_up || { echo "Redis did not start" >&2; exit 1; }
fi
echo "Redis: ok ($REDIS_HOST:$REDIS_PORT)"

# --- OpenLDAP (slapd) for the directory sign-in tests -------------------------------------------
# The tests run their own slapd on a free port with a directory of their own (tests/slapd.py);
# only the programs are needed here. The package's service, if its installation started one, is
# stopped and kept from starting again: nothing of the product listens on port 389.
if ! command -v slapd >/dev/null && [ ! -x /usr/sbin/slapd ]; then
  scripts/ensure_packages.sh slapd ldap-utils
  if [ -d /run/systemd/system ]; then
    as_root systemctl disable --now slapd >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/slapd ]; then
    as_root /etc/init.d/slapd stop >/dev/null 2>&1 || true
    as_root update-rc.d slapd disable >/dev/null 2>&1 || true
  fi
fi
echo "slapd: ok ($(command -v slapd || echo /usr/sbin/slapd))"

# --- Chromium and a CJK font for the browser tests ---------------------------------------------
command -v chromium >/dev/null || scripts/ensure_packages.sh chromium
if ! fc-list 2>/dev/null | grep -qi -E "wqy|noto sans cjk|noto serif cjk|droid sans fallback"; then
  scripts/ensure_packages.sh fonts-wqy-microhei
fi
echo "Chromium: ok ($(command -v chromium))"
