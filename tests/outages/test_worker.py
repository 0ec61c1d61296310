"""A real Celery worker process killed mid-batch loses no notice and sends none twice."""

import datetime as dt
import os
import signal
import subprocess
import sys
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


def start_worker(gateway: SmsGateway, log: Path) -> subprocess.Popen:
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "SMS_GATEWAY_URL": gateway.url,
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
