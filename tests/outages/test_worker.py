"""A real Celery worker process killed mid-batch loses no notice and sends none twice."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from config.celery import app
from outages import notices
from outages.models import Notification
from outages.tasks import resume_outage_notifications, send_outage_notifications
from tests.outages.factories import approved_outage, supplied_customer
from tests.outages.servers import SmsGateway

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


@pytest.fixture
def broker():
    """Send tasks through the real broker (Redis) instead of running them in-process."""
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    yield app
    app.conf.task_always_eager = True


def start_worker(gateway: SmsGateway, log: Path, lease_seconds: int = 60) -> subprocess.Popen:
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "SMS_GATEWAY_URL": gateway.url,
        "OUTAGE_NOTIFY_LEASE_SECONDS": str(lease_seconds),
    }
    return subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_worker_killed_mid_batch_loses_nothing_and_every_contact_gets_one_notice(
    grid, sup_east, broker, tmp_path
):
    for _ in range(15):
        supplied_customer(grid["e1"], contacts=2)
    outage = approved_outage(sup_east, [grid["e1"]])
    assert notices.plan_notices(outage) == 30
    keys = {n.idempotency_key for n in Notification.objects.all()}
    log = tmp_path / "worker.log"
    # The gateway takes 10 messages, then holds the 11th until the test lets it go.
    with SmsGateway(gate_after=10) as gateway:
        worker = start_worker(gateway, log)
        try:
            send_outage_notifications.apply_async(args=[outage.pk])
            assert gateway.reached.wait(60), log.read_text()
            os.killpg(worker.pid, signal.SIGKILL)  # mid-batch, with a message in flight
            worker.wait(30)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
        assert Notification.objects.filter(status="sent").count() == 10
        stranded = Notification.objects.filter(status="pending")
        assert stranded.count() == 20
        assert stranded.exclude(claimed_by="").count() == 20  # still held by the dead worker

        gateway.gate_after = None
        gateway.release.set()  # the provider took the in-flight message after all
        # Later (the lease ran out), the scheduled job frees the rows and a new worker
        # takes them.
        assert (
            notices.release_stale_claims(
                now=timezone.now() + django_settings.OUTAGE_NOTIFY_LEASE + dt.timedelta(minutes=1)
            )
            == 20
        )
        worker = start_worker(gateway, log)
        try:
            resume_outage_notifications.apply_async()
            assert gateway.wait_delivered(30, timeout=60), log.read_text()
            worker.send_signal(signal.SIGTERM)  # warm shutdown: finishes its task first
            worker.wait(60)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)

    connection.close()
    assert set(gateway.delivered) == keys  # every contact got exactly one message
    duplicates = {k: n for k, n in gateway.received.items() if n > 1}
    # At most the message in flight when the worker died was submitted twice, with the same
    # idempotency key, which the provider dropped.
    assert len(duplicates) <= 1 and all(n == 2 for n in duplicates.values())
    assert Notification.objects.filter(status="sent").count() == 30
    assert not Notification.objects.exclude(claimed_by="").exists()


def test_a_killed_worker_repeats_at_most_the_message_in_flight_and_its_rest_goes_out_promptly(
    grid, sup_east, broker, tmp_path, settings
):
    """The probe's drill with a provider that reports keys it already has: no customer gets a
    notice twice, and the dead worker's rows wait only the lease (seconds here), not minutes."""
    settings.OUTAGE_NOTIFY_LEASE = dt.timedelta(seconds=3)
    for _ in range(20):
        supplied_customer(grid["e1"], contacts=2)
    outage = approved_outage(sup_east, [grid["e1"]])
    assert notices.plan_notices(outage) == 40
    log = tmp_path / "worker.log"
    with SmsGateway(gate_after=10, report_duplicates=True) as gateway:
        worker = start_worker(gateway, log, lease_seconds=3)
        try:
            send_outage_notifications.apply_async(args=[outage.pk])
            assert gateway.reached.wait(60), log.read_text()
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(30)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
        killed = time.monotonic()
        gateway.gate_after = None
        gateway.release.set()  # the provider took the message in flight
        # Recorded one by one: the ten sent before the crash are known to be sent.
        assert Notification.objects.filter(status="sent").count() == 10
        held = Notification.objects.filter(status="pending").exclude(claimed_by="")
        assert held.count() == 30
        # The dead worker's claim runs out after the lease, on the real clock.
        while notices.claimable(timezone.now(), outage.pk).count() < 30:
            assert time.monotonic() - killed < 20, "the lease did not run out"
            time.sleep(0.2)
        worker = start_worker(gateway, log, lease_seconds=3)
        try:
            resume_outage_notifications.apply_async()
            assert gateway.wait_delivered(40, timeout=90), log.read_text()
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
        elapsed = time.monotonic() - killed

    connection.close()
    assert elapsed < 60, elapsed  # a worker start and a few seconds, not a 5-minute lease
    duplicates = {k: n for k, n in gateway.received.items() if n > 1}
    assert len(duplicates) <= 1 and all(n == 2 for n in duplicates.values())
    assert len(gateway.delivered) == 40  # each contact got exactly one message
    assert Notification.objects.filter(status="sent").count() == 40
    assert not Notification.objects.exclude(claimed_by="").exists()
