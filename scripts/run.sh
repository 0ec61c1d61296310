#!/usr/bin/env bash
# `make run`: migrate, load the demo once, and serve web, worker and beat until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
PY=.venv/bin/python
mkdir -p var/celery/queue var/celery/processed
$PY manage.py migrate --noinput
$PY manage.py sync_schedules
$PY manage.py seed_demo
$PY manage.py collectstatic --noinput --verbosity 0
cat <<'MSG'

  Key-account CRM is starting on http://127.0.0.1:8000  (API docs: /api/docs/, admin: /admin/)

  Demo logins (password for all: demo12345)
    admin          administrator (Django admin and everything)
    sup_east       supervisor, 东区      sup_all   supervisor, all regions
    mgr01 … mgr08  account managers
    auditor        read-only auditor     billing_api  integration client

  Ctrl-C stops the web server, the worker and the scheduler.

MSG
exec .venv/bin/honcho -f Procfile start
