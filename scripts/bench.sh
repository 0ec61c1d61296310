#!/usr/bin/env bash
# `make bench`: the benchmarks on PostgreSQL, each against its target (issue 13), then one table
# of every figure (bench_summary); docs/performance.md records a run.
#
#   1. seed_bench builds 200,000 customers with 24 months of bills (4.8M) and payments once, in
#      crm_bench; bench_dashboard --prepare adds visits, complaints, outages and scans once;
#   2. bench_risk: the arrears-risk scan at 10k, 50k and 200k customers against its floor, one
#      read of the bill table (≤ 3×) and the naive loop;
#   3. bench_lists: every API list and list page, first and deep pages, each filter and ordering,
#      the customer 360 page and its API, the dashboard (page and API), p50/p95 and statements;
#   4. bench_sync: an integration client's delta sync of payments (keyset pages, ≥ 20,000 rows/s);
#   5. bench_import: one month of bills for every customer through the API and the upload (≤ 60 s);
#      bench_supply: a million daily voltage readings imported (≤ 60 s) and every customer's
#      supply indicators in one statement;
#   6. bench_rescore: the risk rescoring delay after a payment (≤ 5 s) with real workers, and the
#      scan split across 1, 2 and 4 worker processes, on a copy of the bench database;
#   7. bench_load: 50 concurrent clients on gunicorn as `make run` starts it (p95 ≤ 300 ms);
#   8. bench_outage_notify and bench_notice_scaleout: a notice batch of 10,000 contacts, and of
#      100,000 contacts against a local SMS gateway by 1, 2 and 4 worker processes (their own
#      databases; BENCH_SCALEOUT=0 skips the scale-out, which takes a quarter of an hour).
#
# BENCH_CUSTOMERS and BENCH_MONTHS change the size; BENCH_DATABASE_URL the database.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/crm_bench}
OUTAGE_DATABASE_URL=${BENCH_OUTAGE_DATABASE_URL:-${BENCH_DATABASE_URL%/*}/crm_bench_outages}
export DATABASE_URL=$BENCH_DATABASE_URL
# A Redis database of its own: the worker benchmarks empty their queues.
export CELERY_BROKER_URL=${BENCH_BROKER_URL:-redis://127.0.0.1:6379/13}
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
# Connection projects (issue 14): the project list (API and page) and the weekly review.
$PY manage.py seed_connection_bench --projects "${BENCH_CONNECTIONS:-50000}" --if-missing
mkdir -p var/bench
export BENCH_RESULTS=var/bench/results.jsonl
rm -f "$BENCH_RESULTS"
if [ "$($PY manage.py shell -v 0 -c 'from visits.models import Visit; print(Visit.objects.exists())' 2>/dev/null)" = "False" ]; then
  $PY manage.py bench_dashboard --prepare --runs 1
fi
echo "== Arrears-risk scan =="
$PY manage.py bench_risk --sizes 10000,50000,200000 --naive-sample 2000 --markdown
echo "== Dashboard =="
$PY manage.py bench_dashboard
echo "== Every list of the API and every list page =="
$PY manage.py bench_lists
echo "== Delta sync (payments through the API, keyset pages) =="
$PY manage.py bench_sync --path payments --rows 200000
echo "== Bill import =="
$PY manage.py bench_import
echo "== Supply quality (a million daily voltage readings, every customer's indicators) =="
$PY manage.py bench_supply --rows 1000000
echo "== Risk rescoring after a payment, and the scan across workers =="
RESCORE_DATABASE_URL=${BENCH_DATABASE_URL%/*}/crm_bench_rescore
$PY - "$BENCH_DATABASE_URL" "$RESCORE_DATABASE_URL" <<'PY'
import sys
import psycopg
source, copy = (url.rsplit("/", 1)[1] for url in sys.argv[1:])
with psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
    conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
PY
DATABASE_URL=$RESCORE_DATABASE_URL $PY manage.py bench_rescore --changes 20 --burst 1000 \
  --partitions 1,2,4
$PY - "$RESCORE_DATABASE_URL" <<'PY'
import sys
import psycopg
url = sys.argv[1]
with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
PY
echo "== Under load (50 concurrent clients, gunicorn, the demo data) =="
LOAD_DATABASE_URL=${BENCH_DATABASE_URL%/*}/crm_bench_load
create_db "$LOAD_DATABASE_URL"
DATABASE_URL=$LOAD_DATABASE_URL $PY manage.py migrate --noinput -v 0
if [ "$(DATABASE_URL=$LOAD_DATABASE_URL $PY manage.py shell -v 0 -c 'from customers.models import Customer; print(Customer.objects.exists())' 2>/dev/null)" = "False" ]; then
  DATABASE_URL=$LOAD_DATABASE_URL $PY manage.py seed_demo
fi
DATABASE_URL=$LOAD_DATABASE_URL $PY manage.py bench_load --duration 20 --markdown
echo "== Outage notices =="
DATABASE_URL=$OUTAGE_DATABASE_URL $PY manage.py migrate --noinput -v 0
DATABASE_URL=$OUTAGE_DATABASE_URL $PY manage.py bench_outage_notify --contacts 10000
if [[ "${BENCH_SCALEOUT:-1}" != 0 ]]; then
  echo "== Notice batch scale-out (1, 2 and 4 worker processes) =="
  DATABASE_URL=${BENCH_DATABASE_URL%/*}/crm_bench_scale $PY manage.py bench_notice_scaleout
fi
echo "== Summary =="
$PY manage.py bench_summary
