"""Real Celery worker processes: one killed mid-batch loses no notice and sends none twice;
two separate workers share a batch and send every notice once."""

import datetime as dt
import os
import re
import signal
import socket
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
from tests.outages.servers import BenchGateway, SmsGateway

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


def start_worker(
    gateway: SmsGateway | BenchGateway,
    log: Path,
    lease_seconds: int = 60,
    name: str = "celery@%h",
    chunk_size: int = 500,
) -> subprocess.Popen:
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "SMS_GATEWAY_URL": gateway.url,
        "OUTAGE_NOTIFY_LEASE_SECONDS": str(lease_seconds),
        "OUTAGE_NOTIFY_CHUNK_SIZE": str(chunk_size),
    }
    return subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "config",
            "worker",
            "-n",
            name,
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


def wait_until_ready(names: set[str], workers: list[subprocess.Popen], log: Path) -> None:
    ready: set[str] = set()
    deadline = time.monotonic() + 60
    while not names <= ready:
        assert time.monotonic() < deadline, log.read_text()
        assert all(w.poll() is None for w in workers), log.read_text()
        for reply in app.control.ping(timeout=0.5) or []:
            ready.update(reply)


def test_two_separate_workers_share_a_batch_and_the_gateway_gets_each_notice_once(
    grid, sup_east, broker, tmp_path
):
    for _ in range(20):
        supplied_customer(grid["e1"], contacts=2)
    outage = approved_outage(sup_east, [grid["e1"]])
    assert notices.plan_notices(outage) == 40
    planned = {n.idempotency_key for n in Notification.objects.all()}
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    with BenchGateway(delay=0.02) as gateway:
        workers = [
            start_worker(gateway, logs[i - 1], name=f"share{i}@%h", chunk_size=4) for i in (1, 2)
        ]
        try:
            hostname = socket.gethostname()
            wait_until_ready({f"share1@{hostname}", f"share2@{hostname}"}, workers, logs[0])
            for _ in workers:  # one batch task per worker, as `notify` queues them
                send_outage_notifications.apply_async(args=[outage.pk])
            deadline = time.monotonic() + 60
            while Notification.objects.filter(status="pending").exists():
                assert time.monotonic() < deadline, logs[0].read_text() + logs[1].read_text()
                time.sleep(0.1)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
        stats = gateway.call("/stats")
        received = set(gateway.call("/keys"))

    connection.close()
    assert received == planned  # none lost
    assert (stats["messages"], stats["requests"], stats["duplicates"]) == (40, 40, 0)
    # Each worker ran a batch and sent a share of it.
    for log in logs:
        batches = re.findall(r"notice batch \S+: (\d+) chunks, (\d+) sent", log.read_text())
        assert batches and all(int(sent) > 0 for _chunks, sent in batches), log.read_text()
    assert Notification.objects.filter(status="sent").count() == 40
