"""Fixtures of the dashboard, performance and visit tests: a fixed clock, payments through the
billing service, and bills."""

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from common.actors import SYSTEM

SHANGHAI = ZoneInfo("Asia/Shanghai")
_refs = itertools.count(1)


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware Asia/Shanghai datetime on `day` (YYYY-MM-DD)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), SHANGHAI)


@pytest.fixture
def clock():
    """clock("2025-06-15 10:00") moves the time there (frozen) for the rest of the test."""
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
    """pay(customer, amount, day="YYYY-MM-DD") records a payment through the billing service."""
    from billing import payments

    def make(customer, amount, day=None, channel="bank", reference=None):
        from django.utils import timezone

        payment, _created = payments.record_payment(
            customer,
            amount=Decimal(str(amount)),
            paid_at=at(day) if day else timezone.now(),
            channel=channel,
            reference=reference or f"D{next(_refs):06d}",
            acting_user=SYSTEM,
        )
        return payment

    return make


@pytest.fixture
def bill():
    """bill(customer, total, due="YYYY-MM-DD", issued=None, period=None) creates a bill."""
    from billing.models import Bill

    def make(customer, total, *, due: str, issued: str | None = None, period: str | None = None):
        due_date = dt.date.fromisoformat(due)
        issue_date = dt.date.fromisoformat(issued) if issued else due_date - dt.timedelta(days=20)
        period_date = (
            dt.date.fromisoformat(period + "-01")
            if period
            else (issue_date.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        )
        amount = Decimal(str(total))
        return Bill.objects.create(
            customer=customer,
            period=period_date,
            issue_date=issue_date,
            due_date=due_date,
            energy_kwh=Decimal("1000"),
            energy_charge=amount,
            total=amount,
        )

    return make
