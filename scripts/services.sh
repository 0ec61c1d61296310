#!/usr/bin/env bash
# Make sure a PostgreSQL and a Redis answer on 127.0.0.1, and Chromium is installed for the
# browser tests: use what runs, start what is installed, install with apt what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

pg_up() { .venv/bin/python - <<'PY'
import os, sys
import psycopg
url = os.environ.get("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/crm")
base = url.rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(base, connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
}
redis_up() { .venv/bin/python -c "import redis,sys; redis.Redis(host='127.0.0.1', port=6379, socket_connect_timeout=2).ping()" 2>/dev/null; }

if ! pg_up 2>/dev/null; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "Installing PostgreSQL…"
    scripts/ensure_packages.sh postgresql
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
  for _ in $(seq 1 30); do pg_up 2>/dev/null && break; sleep 1; done
  # A fresh cluster asks for a password over TCP: give the postgres role the one we use.
  $SUDO -u postgres psql -q -c "ALTER USER postgres PASSWORD 'postgres'" 2>/dev/null \
    || su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" || true
  pg_up
fi

if ! redis_up; then
  command -v redis-server >/dev/null || { echo "Installing Redis…"; scripts/ensure_packages.sh redis-server; }
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
  redis_up || { echo "Redis did not start" >&2; exit 1; }
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Chromium for the browser tests…"
  scripts/ensure_packages.sh chromium fonts-wqy-microhei
fi
if ! fc-list 2>/dev/null | grep -qi -E "wqy|noto sans cjk|droid sans fallback"; then
  scripts/ensure_packages.sh fonts-wqy-microhei || true
fi
