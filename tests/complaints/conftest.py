"""Helpers for the complaint tests: register tickets through the real service and drive them
to any status through the real actions."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from common.actors import SYSTEM
from complaints import closure, services
from complaints.models import Status

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware Asia/Shanghai datetime: local(2026, 10, 8, 10, 0)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def register(mgr_a):
    """register(customer, **fields) -> a new ticket registered by the service."""

    def make(customer, **fields):
        fields.setdefault("channel", "hotline_95598")
        fields.setdefault("category", "power_quality")
        fields.setdefault("description", "电压波动导致生产线停机")
        fields.setdefault("acting_user", SYSTEM)
        complaint, created = services.register_complaint(customer=customer, **fields)
        assert created
        return complaint

    return make


RESOLUTION = {
    "root_cause": "10kV线路接头松动导致电压波动",
    "responsibility": "company",
    "justification": "接头由我公司运维，巡检记录显示未按期紧固",
    "corrective_action": "已更换接头并加密巡检",
    "customer_informed_via": "phone",
}


def resolution(**overrides):
    values = {**RESOLUTION, "customer_informed_at": timezone.now(), **overrides}
    return values


@pytest.fixture
def drive(mgr_a, sup_east):
    """drive(complaint, status) -> the ticket moved to `status` through the real actions.

    The manager handles it; the supervisor makes the callback (not the resolver)."""

    def move(complaint, status):
        if status == Status.NEW:
            return complaint
        complaint = services.acknowledge_complaint(complaint, acting_user=mgr_a)
        if status == Status.ACKNOWLEDGED:
            return complaint
        complaint = services.start_complaint(complaint, acting_user=mgr_a)
        if status == Status.IN_PROGRESS:
            return complaint
        complaint = services.resolve_complaint(complaint, acting_user=mgr_a, **resolution())
        if status == Status.RESOLVED:
            return complaint
        if status == Status.CLOSED:
            return closure.record_callback(
                complaint, acting_user=sup_east, satisfaction=5, solved=True
            )
        if status == Status.REOPENED:
            return closure.reopen_complaint(complaint, acting_user=sup_east, reason="客户再次来电")
        raise AssertionError(status)

    return move
