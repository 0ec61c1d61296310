#!/usr/bin/env bash
# `make run`: migrate, load the demo once, and serve web, worker and beat until Ctrl-C.
# Embedded defaults: SQLite (db.sqlite3) and a filesystem Celery transport (var/celery/);
# DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL and Redis; CRM_PORT moves the port.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
PY=.venv/bin/python
mkdir -p var/celery/queue var/celery/processed var/media
# Web and worker processes write their metrics here and /metrics adds them up (a fresh start
# starts from zero).
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/prometheus}
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
$PY manage.py migrate --noinput
$PY manage.py sync_schedules
$PY manage.py seed_demo
$PY manage.py collectstatic --noinput --verbosity 0
export CRM_PORT=${CRM_PORT:-8000}
URL="http://127.0.0.1:$CRM_PORT"
cat <<MSG

  Key-account CRM is starting on $URL
  API docs: $URL/api/docs/    admin: $URL/admin/

  Demo logins (password for all: demo12345)
    admin          administrator (Django admin and everything)
    sup_east       supervisor of 东区        sup_all      supervisor of all regions
    mgr01 … mgr08  account managers
    auditor        read-only auditor          billing_api  integration client (API)

  Ctrl-C stops the web server, the worker and the scheduler.

MSG
# honcho runs the Procfile (web, worker, beat) and stops them all on Ctrl-C.
exec .venv/bin/honcho -f Procfile start
