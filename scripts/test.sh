#!/usr/bin/env bash
# `make test`: make sure PostgreSQL, Redis and Chromium are there, then ruff and the whole
# pytest suite (browser tests included) against them. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL=${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/crm}
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}
export DJANGO_SETTINGS_MODULE=config.settings.test
scripts/services.sh
echo "ruff…"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null || {
  echo "Models and migrations disagree: run manage.py makemigrations" >&2
  exit 1
}
# Screenshots and other artefacts of the browser tests.
mkdir -p test-artifacts
# --create-db: a database left by an earlier run never hides a migration problem.
exec .venv/bin/pytest -p no:cacheprovider --create-db "$@"
