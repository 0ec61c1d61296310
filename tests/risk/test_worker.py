"""The API's scan runs on a real Celery worker against Redis, and its status can be polled."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app
from risk.models import RiskAssessment
from tests.risk.factories import promise

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return (
        f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/"
        f"{s['NAME']}"
    )


@pytest.fixture
def worker():
    """A `celery -A config worker` on the test database and the test broker, for one test."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": app.conf.broker_url,
    }
    process = subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False  # this process sends the task to Redis
    try:
        yield process
    finally:
        app.conf.task_always_eager = previous
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def poll(client, url: str, *, until, timeout: float = 90.0) -> list[dict]:
    """GET `url` until `until(answer)`; the statuses seen, in order."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(url)
        assert answer.status_code == 200
        seen.append(answer.data)
        if until(answer.data):
            return seen
        time.sleep(0.2)  # waiting for another process, not for the clock
    raise AssertionError(f"still {seen[-1]['status']} after {timeout} s")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_scan_started_through_the_api_runs_on_a_worker_and_is_polled_to_done(
    worker, customer_for, mgr_a, sup_east, api
):
    customers = [customer_for(mgr_a) for _ in range(5)]
    for day in range(3):
        promise(customers[0], due=f"2025-05-1{day}")
    client = api(sup_east)

    started = client.post("/api/v1/risk-scans/")

    assert started.status_code == 202
    assert started.data["status"] == "queued"
    seen = poll(
        client,
        f"/api/v1/risk-scans/{started.data['id']}/",
        until=lambda scan: scan["status"] in ("done", "failed"),
    )
    final = seen[-1]
    assert final["status"] == "done"
    assert final["customers_scanned"] == 5
    assert sum(final["levels"].values()) == 5
    assert final["started_at"] and final["finished_at"]
    assert RiskAssessment.objects.filter(scan_id=final["id"]).count() == 5
    history = client.get(f"/api/v1/customers/{customers[0].pk}/risk/")
    assert history.data["results"][0]["scan"] == final["id"]
    worker.terminate()
    log = worker.communicate(timeout=30)[0]
    assert "risk.tasks.run_risk_scan" in log
    assert "succeeded" in log
