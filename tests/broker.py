"""A broker that is down, for the tests of what the product does without one.

`broker_down` sends tasks through the broker (not in-process) and points the broker at a
closed port; `broker_down.restore()` brings back the real Redis of the test settings, with
tasks running in-process again as everywhere else in the suite (so that draining the outbox
runs them here).
"""

import os
import socket

import pytest

from config.celery import app


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


class BrokerSwitch:
    # Celery reads the broker URL from the environment first, then from its configuration.
    def __init__(self) -> None:
        self.real_url = app.conf.broker_url
        self.real_env = os.environ.get("CELERY_BROKER_URL")

    def _point_at(self, url: str | None) -> None:
        app.conf.broker_url = url
        if url is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = url

    def stop(self) -> None:
        app.conf.task_always_eager = False
        self._point_at(f"redis://127.0.0.1:{closed_port()}/5")

    def restore(self, *, eager: bool = True) -> None:
        self._point_at(self.real_url)
        if self.real_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        app.conf.task_always_eager = eager


@pytest.fixture
def broker_down():
    switch = BrokerSwitch()
    switch.stop()
    yield switch
    switch.restore()
