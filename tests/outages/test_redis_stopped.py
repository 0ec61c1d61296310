"""A Redis the test starts, then stops and starts again (issue 18, docs/operations.md "When
Redis is down"): pages and the API keep answering, the readiness probe says the broker is
away, an action's work waits in the outbox, and reaches the broker once it is back — nothing
is lost."""

import base64
import json
import os
import socket
import subprocess
import time

import pytest

from common import outbox
from common.models import OutboxTask
from config.celery import app
from outages.tasks import send_outage_notifications
from tests.outages.factories import approved_outage, supplied_customer

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """redis-server on a port of its own, in memory only."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis():
    redis = OwnRedis()
    redis.start()
    real_url, real_env = app.conf.broker_url, os.environ.get("CELERY_BROKER_URL")
    app.conf.broker_url = redis.url
    os.environ["CELERY_BROKER_URL"] = redis.url
    app.conf.task_always_eager = False
    app.close()  # drop the connection pools, which hold the broker they were made for
    yield redis
    app.conf.task_always_eager = True
    app.conf.broker_url = real_url
    if real_env is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = real_env
    app.close()  # drop the connection pools, which hold the broker they were made for
    if redis.process and redis.process.poll() is None:
        redis.stop()


def test_with_redis_stopped_the_product_answers_and_loses_nothing(
    client, api, grid, sup_east, mgr_a, sent_log, own_redis, django_capture_on_commit_callbacks
):
    supplied_customer(grid["e1"], contacts=2, manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])
    own_redis.stop()
    app.close()  # drop the connection pools, which hold the broker they were made for

    # Pages and the API answer; the probes tell the process lives but cannot queue work.
    client.force_login(sup_east)
    assert client.get("/customers/").status_code == 200
    assert api(sup_east).get("/api/v1/customers/").status_code == 200
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["broker"]["ok"] is False

    # An action that queues work is recorded and answered.
    with django_capture_on_commit_callbacks(execute=True):
        answer = api(sup_east).post(f"/api/v1/outages/{outage.pk}/notify/")
    assert answer.status_code == 202, answer.content
    assert outbox.waiting(send_outage_notifications, outage.pk)
    assert outbox.drain() == 0  # still away: nothing published, nothing dropped

    # Redis is back: the outbox publishes the task into it, once.
    own_redis.start()
    app.close()  # drop the connection pools, which hold the broker they were made for
    assert outbox.drain() == 1
    assert outbox.drain() == 0
    assert not OutboxTask.objects.filter(published_at__isnull=True).exists()
    with app.connection_for_read() as conn:
        queued = conn.default_channel.client.lrange(app.conf.task_default_queue, 0, -1)
    messages = [json.loads(raw) for raw in queued]
    assert [m["headers"]["task"] for m in messages] == [send_outage_notifications.name]
    assert json.loads(base64.b64decode(messages[0]["body"]))[0] == [outage.pk]
