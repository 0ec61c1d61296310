"""Factories of billing rows. Payments go through the service so allocations are real."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from billing.balances import refresh_balances
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

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Bills come from the billing system through import_bills, which keeps the customer's
        # balance; a bill written directly here keeps it the same way.
        bill = super()._create(model_class, *args, **kwargs)
        refresh_balances([bill.customer_id])
        return bill


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
