"""Factories of billing rows. Payments go through the service so allocations are real."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from billing.models import (
    Bill,
    BlockedDate,
    CollectionAction,
    PaymentPromise,
)
from tests.factories import CustomerFactory


def month(value: str) -> dt.date:
    year, mon = value.split("-")
    return dt.date(int(year), int(mon), 1)


class BillFactory(factory.django.DjangoModelFactory):
    """A bill of `total` (energy charge), issued on the 5th of the next month, due the 25th."""

    class Meta:
        model = Bill

    customer = factory.SubFactory(CustomerFactory)
    period = dt.date(2025, 1, 1)
    issue_date = factory.LazyAttribute(lambda o: (o.period + dt.timedelta(days=32)).replace(day=5))
    due_date = factory.LazyAttribute(lambda o: o.issue_date.replace(day=25))
    energy_kwh = Decimal("10000")
    flat_kwh = Decimal("10000")
    basic_charge = Decimal("0")
    energy_charge = factory.LazyAttribute(lambda o: o.total)
    total = Decimal("1000.00")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectionAction

    customer = factory.SubFactory(CustomerFactory)
    kind = "call"
    at = factory.LazyFunction(timezone.now)
    outcome = "已电话催费"


class NoticeFactory(ActionFactory):
    kind = "disconnection_notice"
    outcome = "送达停电通知书"
    delivered_at = factory.LazyAttribute(lambda o: o.at + dt.timedelta(hours=2))
    delivery_method = "in_person"
    delivered_to = "财务 王女士"


class PromiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentPromise

    customer = factory.SubFactory(CustomerFactory)
    amount = Decimal("500.00")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))


class BlockedDateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlockedDate
        django_get_or_create = ("date",)

    date = dt.date(2025, 6, 10)
    reason = "重大活动保电"
