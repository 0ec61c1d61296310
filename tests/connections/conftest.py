"""Helpers for the connection-project tests: projects registered through the real service at
a frozen moment, on the official calendar."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from common.actors import SYSTEM
from connections import services
from tests.factories import FeederFactory, SubstationFactory, make_credit_code

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware Asia/Shanghai datetime (10:00 unless told)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def at(*moment):
    """Travel to a local moment, clock stopped: `with at(2026, 3, 2): ...`."""
    return time_machine.travel(local(*moment), tick=False)


@pytest.fixture
def feeders(east):
    substation = SubstationFactory(region=east)
    return FeederFactory(substation=substation, region=east), FeederFactory(
        substation=substation, region=east
    )


@pytest.fixture
def applicant(mgr_a, east, feeders):
    """applicant(**fields) -> a new project of an applicant (no customer), owned by mgr_a."""

    def make(**fields):
        fields.setdefault("kind", "new")
        fields.setdefault("applicant_name", "新能源装备制造有限公司")
        fields.setdefault("credit_code", make_credit_code(900))
        fields.setdefault("region", east)
        fields.setdefault("voltage_kv", Decimal("10"))
        fields.setdefault("supply_scheme", "hv_dual")
        fields.setdefault("requested_capacity_kva", Decimal("5000"))
        fields.setdefault("manager", mgr_a)
        fields.setdefault("segment", "industrial")
        fields.setdefault("tariff", "two_part")
        fields.setdefault("primary_feeder", feeders[0])
        if fields["supply_scheme"] == "hv_dual":
            fields.setdefault("backup_feeder", feeders[1])
        acting_user = fields.pop("acting_user", SYSTEM)
        project, created = services.create_project(acting_user=acting_user, **fields)
        assert created
        return project

    return make


def finish(project, user=SYSTEM, **kwargs):
    return services.finish_step(project, acting_user=user, **kwargs)
