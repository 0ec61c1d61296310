"""Fixtures of the supply-quality tests: a small grid, a dual-supply customer, a clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from common.actors import SYSTEM
from supply import services
from supply.models import MonitoringPoint
from tests.factories import FeederFactory, SubstationFactory
from tests.outages.factories import supplied_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    """The clock stopped at 2026-11-20 10:00 Shanghai."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def grid(east, west):
    s1 = SubstationFactory(code="SS-E1", name="东湖变", region=east)
    s2 = SubstationFactory(code="SS-W1", name="西山变", region=west)
    return {
        "e1": FeederFactory(code="E1", name="10kV东湖一线", substation=s1, region=east),
        "e2": FeederFactory(code="E2", name="10kV东湖二线", substation=s1, region=east),
        "w1": FeederFactory(code="W1", name="10kV西山一线", substation=s2, region=west),
    }


@pytest.fixture
def single(grid, mgr_a):
    """A customer of mgr_a supplied from E1 only."""
    return supplied_customer(grid["e1"], manager=mgr_a, contacts=0, name="东湖制药")


@pytest.fixture
def dual(grid, mgr_a):
    """A customer of mgr_a supplied from E1 (primary) and E2."""
    return supplied_customer(grid["e1"], grid["e2"], manager=mgr_a, contacts=0, name="东湖数据中心")


@pytest.fixture
def west_customer(grid, mgr_c):
    return supplied_customer(grid["w1"], manager=mgr_c, contacts=0, name="西山钢厂")


@pytest.fixture
def record():
    """record(ref, feeder, start, end, **fields): one interruption imported by the system."""

    def make(ref, feeder, start, end=None, **fields):
        row = {
            "source_ref": ref,
            "feeder": feeder.code,
            "start": start.isoformat(),
            "end": end.isoformat() if end else None,
            **fields,
        }
        result = services.import_interruptions([row], acting_user=SYSTEM)
        assert not result.errors, result.errors
        return result

    return make


@pytest.fixture
def point(single):
    return MonitoringPoint.objects.create(
        code="VM-001", name="东湖制药进线", customer=single, voltage_class="10kv"
    )
