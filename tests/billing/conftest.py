"""Billing fixtures: a fixed clock and a helper to pay through the service."""

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing import payments
from common.actors import SYSTEM

SHANGHAI = ZoneInfo("Asia/Shanghai")
_refs = itertools.count(1)


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware Asia/Shanghai datetime on `day` (YYYY-MM-DD)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), SHANGHAI)


@pytest.fixture
def clock():
    """clock("2025-06-02 10:00") moves the time there for the rest of the test."""
    travellers = []

    def move(when: str):
        day, _, hm = when.partition(" ")
        hour, minute = (int(x) for x in (hm or "10:00").split(":"))
        traveller = time_machine.travel(at(day, hour, minute), tick=False)
        traveller.start()
        travellers.append(traveller)
        return at(day, hour, minute)

    yield move
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture
def pay():
    """pay(customer, amount, day="YYYY-MM-DD", channel="bank") records a payment."""

    def make(customer, amount, day=None, channel="bank", reference=None, **kwargs):
        from django.utils import timezone

        paid_at = at(day) if day else timezone.now()
        kwargs.setdefault("acting_user", SYSTEM)
        payment, _created = payments.record_payment(
            customer,
            amount=Decimal(str(amount)),
            paid_at=paid_at,
            channel=channel,
            reference=reference or f"T{next(_refs):06d}",
            **kwargs,
        )
        return payment

    return make
