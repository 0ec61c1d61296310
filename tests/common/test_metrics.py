"""`/metrics` (common/metrics.py, docs/operations.md "Metrics"): Prometheus' text format for
administrators and the scraper's token, refused to anyone else."""

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.authtoken.models import Token

from common.metrics import TASK_SECONDS
from config.celery import app

pytestmark = pytest.mark.django_db

SCRAPE_TOKEN = "s3cret-scrape-token"


@pytest.fixture(autouse=True)
def _scrape_token(settings):
    settings.METRICS_SCRAPE_TOKEN = SCRAPE_TOKEN


def _families(answer) -> dict:
    assert answer.status_code == 200, answer.content[:300]
    assert answer["Content-Type"].startswith("text/plain")
    return {f.name: f for f in text_string_to_metric_families(answer.content.decode())}


def _value(family, name, **labels) -> float:
    return sum(
        s.value
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def test_an_administrator_reads_the_metrics_with_the_session(client, admin_user):
    client.force_login(admin_user)
    families = _families(client.get("/metrics"))
    assert "crm_http_request_duration_seconds" in families
    assert "crm_notices" in families and "crm_task_outbox_pending" in families


def test_an_administrators_api_token_reads_them(client, admin_user):
    token = Token.objects.create(user=admin_user)
    answer = client.get("/metrics", headers={"Authorization": f"Token {token.key}"})
    assert answer.status_code == 200


def test_the_scrapers_token_reads_them(client):
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"})
    assert answer.status_code == 200


@pytest.mark.parametrize("who", ["mgr_a", "sup_all", "auditor", "integration"])
def test_anyone_else_is_refused(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get("/metrics").status_code == 403
    token = Token.objects.create(user=user)
    answer = client.get("/metrics", headers={"Authorization": f"Token {token.key}"})
    assert answer.status_code == 403


def test_no_or_wrong_credentials_are_refused(client, settings):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 403
    bad_token = client.get("/metrics", headers={"Authorization": "Token nope"})
    assert bad_token.status_code == 403
    settings.METRICS_SCRAPE_TOKEN = ""  # no scrape token set: a bearer never reads them
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 403


def test_requests_count_by_view_and_status(client, admin_user):
    client.force_login(admin_user)
    client.get("/healthz")
    client.get("/no-such-page/")
    families = _families(client.get("/metrics"))
    requests = families["crm_http_request_duration_seconds"]
    count = "crm_http_request_duration_seconds_count"
    assert _value(requests, count, view="health", method="GET", status="200") >= 1
    assert _value(requests, count, view="unresolved", status="404") >= 1


def test_task_runs_are_timed_by_task_and_outcome(client, admin_user):
    @app.task(name="tests.metrics.ok")
    def ok():
        return 1

    @app.task(name="tests.metrics.fails")
    def fails():
        raise ValueError("no")

    before = TASK_SECONDS.labels("tests.metrics.ok", "success")._sum.get()
    ok.apply()
    fails.apply(throw=False)
    client.force_login(admin_user)
    tasks = _families(client.get("/metrics"))["crm_task_duration_seconds"]
    count = "crm_task_duration_seconds_count"
    assert _value(tasks, count, task="tests.metrics.ok", outcome="success") >= 1
    assert _value(tasks, count, task="tests.metrics.fails", outcome="failure") >= 1
    assert TASK_SECONDS.labels("tests.metrics.ok", "success")._sum.get() >= before


def test_notices_and_scans_are_counted_when_scraped(client, admin_user):
    import datetime as dt

    from django.utils import timezone

    from risk.models import RiskScan

    finished = timezone.now()
    RiskScan.objects.create(
        status="done",
        trigger="schedule",
        started_at=finished - dt.timedelta(seconds=42),
        finished_at=finished,
    )
    client.force_login(admin_user)
    families = _families(client.get("/metrics"))
    scans = families["crm_risk_scan_duration_seconds"]
    assert _value(scans, "crm_risk_scan_duration_seconds", trigger="schedule") == 42


def test_the_queue_length_comes_from_the_real_broker(client, admin_user, monkeypatch):
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    app.send_task("tests.metrics.never_run")
    client.force_login(admin_user)
    try:
        families = _families(client.get("/metrics"))
    finally:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(app.conf.task_default_queue)
    queue = families["crm_task_queue_length"]
    assert _value(queue, "crm_task_queue_length", queue=app.conf.task_default_queue) == 1


def test_several_processes_are_added_up_in_multiprocess_mode(tmp_path):
    """gunicorn's workers and Celery's each write to PROMETHEUS_MULTIPROC_DIR; any of them
    answers /metrics with the sum (prometheus_client's multiprocess mode)."""
    import os
    import subprocess
    import sys

    from django.db import connection

    db = connection.settings_dict
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        # The test database: the scrape also counts rows.
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    record = (
        "import django; django.setup();"
        "from common.metrics import REQUEST_SECONDS;"
        "REQUEST_SECONDS.labels('health', 'GET', '200').observe(0.01)"
    )
    for _process in range(2):
        subprocess.run([sys.executable, "-c", record], env=env, check=True, timeout=60)
    read = (
        "import django; django.setup();"
        "from common.metrics import exposition;"
        "import sys; sys.stdout.write(exposition().decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", read], env=env, check=True, timeout=60, capture_output=True
    ).stdout.decode()
    families = {f.name: f for f in text_string_to_metric_families(out)}
    requests = families["crm_http_request_duration_seconds"]
    count = "crm_http_request_duration_seconds_count"
    assert _value(requests, count, view="health", method="GET", status="200") == 2
