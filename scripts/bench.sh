#!/usr/bin/env bash
# `make bench`: the benchmarks on PostgreSQL, printed and recorded in docs/performance.md.
#
#   1. seed_bench builds 200,000 customers with 24 months of bills (4.8M) once, in crm_bench;
#   2. bench_risk runs the arrears-risk scan at 10k, 50k and 200k customers against the floor
#      (one hand-written SQL statement) and the naive per-customer loop;
#   3. bench_dashboard times the supervisors' dashboard and its API at that size;
#   4. bench_sync times an integration client's delta sync of payments (keyset pages);
#   5. bench_outage_notify times a notice batch of 10,000 contacts (its own database).
#
# BENCH_CUSTOMERS and BENCH_MONTHS change the size; BENCH_DATABASE_URL the database.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/crm_bench}
OUTAGE_DATABASE_URL=${BENCH_OUTAGE_DATABASE_URL:-${BENCH_DATABASE_URL%/*}/crm_bench_outages}
export DATABASE_URL=$BENCH_DATABASE_URL
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}
export DJANGO_SETTINGS_MODULE=config.settings.local
# No query log in memory, and tasks run in this process: the figures are the work itself.
# E-mails (the risk digests of the scans) stay in memory instead of filling the output.
export DEBUG=false
export CELERY_TASK_ALWAYS_EAGER=true
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
PY=.venv/bin/python
scripts/services.sh

create_db() {
  $PY - "$1" <<'PY'
import sys
import psycopg
url = sys.argv[1]
name = url.rsplit("/", 1)[1]
with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
        print(f"created database {name}")
PY
}

create_db "$BENCH_DATABASE_URL"
create_db "$OUTAGE_DATABASE_URL"
$PY manage.py migrate --noinput -v 0
# The dashboard page is rendered with DEBUG off: its static files come from the manifest.
$PY manage.py collectstatic --noinput -v 0
$PY manage.py seed_bench --customers "${BENCH_CUSTOMERS:-200000}" --months "${BENCH_MONTHS:-24}" \
  --if-missing
echo "== Arrears-risk scan =="
$PY manage.py bench_risk --sizes 10000,50000,200000 --naive-sample 2000 --markdown
echo "== Dashboard =="
if [ "$($PY manage.py shell -v 0 -c 'from visits.models import Visit; print(Visit.objects.exists())' 2>/dev/null)" = "False" ]; then
  $PY manage.py bench_dashboard --prepare
else
  $PY manage.py bench_dashboard
fi
echo "== Delta sync (payments through the API, keyset pages) =="
$PY manage.py bench_sync --path payments --rows 200000
echo "== Outage notices =="
DATABASE_URL=$OUTAGE_DATABASE_URL $PY manage.py migrate --noinput -v 0
DATABASE_URL=$OUTAGE_DATABASE_URL $PY manage.py bench_outage_notify --contacts 10000
