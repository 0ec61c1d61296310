"""The probes (common/health.py, docs/operations.md "Probes"): `/healthz` says the process
answers, `/readyz` whether it can serve — database, broker, worker, scheduler, migrations."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from common import health
from common.models import ServiceBeat
from common.tasks import record_worker_heartbeat
from config.celery import app
from tests.broker import broker_down  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def alive():
    """A worker ran the heartbeat a minute ago, which the scheduler sent then."""
    schedule, _ = CrontabSchedule.objects.get_or_create(minute="*")
    PeriodicTask.objects.update_or_create(
        name="common-worker-heartbeat",
        defaults={
            "task": health.HEARTBEAT_TASK,
            "crontab": schedule,
            "last_run_at": NOW - dt.timedelta(minutes=1),
        },
    )
    with time_machine.travel(NOW - dt.timedelta(minutes=1), tick=False):
        record_worker_heartbeat()
    with time_machine.travel(NOW, tick=False):
        yield


def test_healthz_answers_without_reading_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_readyz_is_ready_when_everything_answers(client, alive):
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "worker", "scheduler", "migrations"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_reaches_the_real_broker(client, alive, monkeypatch):
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["checks"]["broker"] == {"ok": True}


def test_readyz_is_unavailable_while_the_broker_is_down(client, alive, broker_down):  # noqa: F811
    answer = client.get("/readyz")
    assert answer.status_code == 503
    broker = answer.json()["checks"]["broker"]
    assert broker["ok"] is False and "broker unreachable" in broker["detail"]


def test_a_worker_silent_too_long_makes_the_process_unready(client, alive):
    with time_machine.travel(NOW + dt.timedelta(minutes=2, seconds=1), tick=False):
        answer = client.get("/readyz")  # the heartbeat is 3 min 1 s old
    assert answer.status_code == 503
    assert answer.json()["checks"]["worker"] == {"ok": False, "detail": "last heartbeat 181 s ago"}


def test_a_scheduler_that_stopped_sending_makes_the_process_unready(client, alive):
    PeriodicTask.objects.filter(task=health.HEARTBEAT_TASK).update(
        last_run_at=timezone.now() - dt.timedelta(minutes=7)
    )
    answer = client.get("/readyz")
    assert answer.status_code == 503
    scheduler = answer.json()["checks"]["scheduler"]
    assert scheduler["ok"] is False and "420 s ago" in scheduler["detail"]


def test_never_a_heartbeat_is_not_ready(client):
    ServiceBeat.objects.all().delete()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["worker"] == {"ok": False, "detail": "last heartbeat never"}


def test_a_pending_migration_makes_the_process_unready(client, alive, monkeypatch):
    class Pending:
        app_label, name = "billing", "9999_to_come"

    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [(Pending, False)]
    )
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["migrations"] == {
        "ok": False,
        "detail": "1 migration(s) to apply: billing.9999_to_come",
    }


def test_the_heartbeat_runs_twice_and_keeps_one_row():
    record_worker_heartbeat()
    record_worker_heartbeat()
    assert ServiceBeat.objects.filter(name="worker").count() == 1


def test_the_heartbeat_is_in_the_beat_schedule():
    from config.celery import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["common-worker-heartbeat"]["task"] == health.HEARTBEAT_TASK
