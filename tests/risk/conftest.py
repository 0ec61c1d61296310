"""Risk-scan fixtures: a fixed clock and a way to run a scan in the test's process."""

import pytest
import time_machine

from common.actors import SYSTEM
from risk import services as risk
from risk.models import RiskScanTrigger
from tests.risk.factories import at


@pytest.fixture
def clock():
    """clock("2025-06-02") (10:00 Asia/Shanghai, or clock("2025-06-02", 23)) moves the time
    there for the rest of the test."""
    travellers = []

    def move(value: str, hour: int = 10):
        traveller = time_machine.travel(at(value, hour), tick=False)
        traveller.start()
        travellers.append(traveller)
        return at(value, hour)

    yield move
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture
def scan():
    """scan() queues and runs a scan here, as the worker does, and returns it."""

    def run(**kwargs):
        queued = risk.queue_risk_scan(
            trigger=kwargs.pop("trigger", RiskScanTrigger.COMMAND), acting_user=SYSTEM
        )
        done = risk.run_risk_scan(queued.pk)
        assert done is not None
        assert done.status == "done", done.error
        return done

    return run
