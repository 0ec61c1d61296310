"""The task outbox: work queued with the change, published on commit or once the broker is
back, against the real Redis of the test settings (and a closed port for a broker that is down)."""

import datetime as dt

import pytest
import time_machine
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from common import outbox
from common.models import OutboxTask
from common.tasks import publish_task_outbox
from config.celery import BEAT_SCHEDULE, app
from tests import broker

broker_down = broker.broker_down

pytestmark = pytest.mark.django_db

RUNS: list[tuple] = []


@shared_task(name="tests.common.record_run")
def record_run(value: int, *, label: str = "") -> int:
    RUNS.append((value, label))
    return value


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` — a transaction whose on-commit callbacks run, as in production."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


@pytest.fixture(autouse=True)
def runs():
    RUNS.clear()
    yield RUNS
    RUNS.clear()


@pytest.fixture
def real_broker():
    """Tasks go to the real Redis (no in-process run); the queue starts and ends empty."""
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    yield app
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    app.conf.task_always_eager = True


def queued_messages() -> list[dict]:
    """The task messages waiting in the broker's `celery` queue (taken off it)."""
    found = []
    with app.connection_for_write() as conn:
        queue = conn.SimpleQueue("celery")
        while True:
            try:
                message = queue.get(timeout=1)
            except queue.Empty:
                break
            found.append({"task": message.headers["task"], "args": message.payload[0]})
            message.ack()
        queue.close()
    return found


def test_a_task_is_recorded_with_the_change_and_runs_on_commit(runs, committed):
    with committed(), transaction.atomic():
        row = outbox.enqueue(record_run, 7, label="x")
        assert runs == []  # nothing runs before the commit
    assert runs == [(7, "x")]
    row.refresh_from_db()
    assert row.published_at is not None and row.attempts == 1


def test_a_rolled_back_change_queues_nothing(runs):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(record_run, 7)
        raise RuntimeError
    assert runs == [] and not OutboxTask.objects.exists()


def test_on_commit_the_task_reaches_the_real_broker(real_broker, committed):
    with committed(), transaction.atomic():
        row = outbox.enqueue(record_run, 3)
    assert queued_messages() == [{"task": "tests.common.record_run", "args": [3]}]
    row.refresh_from_db()
    assert row.published_at is not None


def test_with_the_broker_down_the_task_stays_queued_and_the_caller_carries_on(
    broker_down, committed
):
    with committed(), transaction.atomic():
        row = outbox.enqueue(record_run, 5)
    # The commit went through; the publication failed quietly and was recorded.
    row.refresh_from_db()
    assert row.published_at is None and row.claimed_at is None
    assert row.attempts == 1 and "OperationalError" in row.last_error
    assert outbox.waiting(record_run, 5)
    assert outbox.drain() == 0  # still down: nothing published, nothing lost
    assert OutboxTask.objects.get().attempts == 2


def test_draining_after_the_broker_is_back_publishes_what_waited(
    real_broker, broker_down, committed
):
    with committed(), transaction.atomic():
        outbox.enqueue(record_run, 1)
        outbox.enqueue(record_run, 2)
    assert OutboxTask.objects.filter(published_at__isnull=True).count() == 2

    broker_down.restore(eager=False)
    assert outbox.drain() == 2

    assert queued_messages() == [
        {"task": "tests.common.record_run", "args": [1]},
        {"task": "tests.common.record_run", "args": [2]},
    ]
    assert not outbox.waiting(record_run, 1) and not outbox.waiting(record_run, 2)
    assert outbox.drain() == 0  # published once


def test_the_periodic_job_runs_what_waited_once_the_broker_is_back(broker_down, runs, committed):
    with committed(), transaction.atomic():
        outbox.enqueue(record_run, 9)
    assert runs == []
    broker_down.restore()
    assert publish_task_outbox.delay().get() == 1
    assert runs == [(9, "")]


def test_a_row_held_by_a_publisher_is_left_alone_until_its_claim_expires(
    broker_down, runs, committed
):
    with committed(), transaction.atomic():
        row = outbox.enqueue(record_run, 4)
    broker_down.restore()
    OutboxTask.objects.filter(pk=row.pk).update(claimed_at=timezone.now())  # another publisher
    assert outbox.drain() == 0 and runs == []
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert outbox.drain() == 1  # that publisher died: its claim ran out
    assert runs == [(4, "")]


def test_published_rows_are_forgotten_after_a_week(runs, committed):
    with committed(), transaction.atomic():
        outbox.enqueue(record_run, 1)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        outbox.drain()
    assert not OutboxTask.objects.exists()


def test_the_job_is_in_the_one_beat_schedule():
    entry = BEAT_SCHEDULE["common-publish-task-outbox"]
    assert entry["task"] == publish_task_outbox.name
    assert entry["schedule"].minute == set(range(60))


def test_a_row_naming_an_unknown_task_stays_queued_without_stopping_the_others(runs):
    OutboxTask.objects.create(task="nowhere.tasks.gone", args=[1])
    OutboxTask.objects.create(task=record_run.name, args=[2])
    assert outbox.drain() == 1
    assert runs == [(2, "")]
    stuck = OutboxTask.objects.get(task="nowhere.tasks.gone")
    assert stuck.published_at is None and stuck.last_error == "unknown task nowhere.tasks.gone"


def test_the_admin_shows_the_outbox_and_changes_nothing(client, admin_user):
    OutboxTask.objects.create(task="outages.tasks.send_outage_notices", args=[7])
    client.force_login(admin_user)
    listing = client.get("/admin/common/outboxtask/")
    assert listing.status_code == 200
    assert "outages.tasks.send_outage_notices" in listing.content.decode()
    assert client.get("/admin/common/outboxtask/add/").status_code == 403
    assert OutboxTask.objects.count() == 1
