#!/usr/bin/env bash
# `make test`: make sure PostgreSQL, Redis, Chromium and slapd are there, then ruff, mypy, the import
# contract of the apps (import-linter, pyproject.toml) and the whole pytest suite (browser tests included) against them; then the tests marked `date_sensitive`
# again at fixed awkward moments (pytest --now=…, see tests/conftest.py), browser tests aside.
# Extra arguments go to the normal pytest run and skip the date matrix (as does DATE_MATRIX=0).
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL=${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/crm}
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}
export DJANGO_SETTINGS_MODULE=config.settings.test
scripts/services.sh
echo "ruff…"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "mypy…"
.venv/bin/mypy .
echo "import contract…"
.venv/bin/lint-imports
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null || {
  echo "Models and migrations disagree: run manage.py makemigrations" >&2
  exit 1
}
# Screenshots and other artefacts of the browser tests.
mkdir -p test-artifacts
# --create-db: a database left by an earlier run never hides a migration problem.
status=0
.venv/bin/pytest -p no:cacheprovider --create-db "$@" || status=$?
if [[ $# -gt 0 || "${DATE_MATRIX:-1}" == 0 ]]; then
  exit "$status"
fi

# The date matrix: each moment is "now" (the clock ticking from there) for the date-sensitive
# tests and their fixtures. The first run migrates a fresh test database (the normal run drops
# its own), the others reuse it; no transactional or browser test is in the set, so none
# empties the tables the data migrations filled.
NOWS=(
  2026-01-31T10:00:00+08:00 # the last day of a month (a Saturday; February is shorter)
  2026-12-31T23:30:00+08:00 # New Year's Eve, late in Shanghai (still 15:30 in UTC)
  2027-01-01T09:00:00+08:00 # 1 January: a public holiday and a new year
  2026-02-16T20:00:00+08:00 # the eve of Spring Festival (除夕), inside the holiday
  2026-10-10T10:00:00+08:00 # a make-up working Saturday (调休) after National Day
  2028-02-29T12:00:00+08:00 # 29 February of a leap year
  2026-06-30T17:30:00+00:00 # 1 July 01:30 in Shanghai, still 30 June in UTC
)
failed=()
for now in "${NOWS[@]}"; do
  echo "date_sensitive tests at $now…"
  .venv/bin/pytest -p no:cacheprovider --reuse-db -q --no-header -m "date_sensitive and not browser" \
    --now="$now" || failed+=("$now")
done
if [[ $status -ne 0 ]]; then
  echo "The normal run failed (pytest exit status $status): see its summary above." >&2
fi
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "date_sensitive tests failed at: ${failed[*]}" >&2
  status=1
else
  echo "date_sensitive tests passed at all ${#NOWS[@]} moments."
fi
exit "$status"
