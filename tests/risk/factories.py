"""Rows the risk scan reads, made directly so each test states exactly the history it needs."""

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

from billing.models import (
    Bill,
    CollectionAction,
    Disconnection,
    Payment,
    PaymentAllocation,
    PaymentPromise,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
_refs = itertools.count(1)


def day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def at(value: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day(value), dt.time(hour), SHANGHAI)


def month(value: str) -> dt.date:
    year, mon = value.split("-")
    return dt.date(int(year), int(mon), 1)


def bill(
    customer,
    period: str,
    *,
    total="1000.00",
    kwh="10000",
    due: str | None = None,
    settled: str | None = None,
    paid=None,
    written_off: bool = False,
) -> Bill:
    """A bill for `period` (YYYY-MM), issued on the 5th and due on the 25th of the next month
    unless `due` says otherwise. `settled` (YYYY-MM-DD) pays it in full on that day; `paid`
    pays part of it (an allocation, the bill stays open)."""
    start = month(period)
    issue = (start + dt.timedelta(days=32)).replace(day=5)
    due_date = day(due) if due else issue.replace(day=25)
    issue = min(issue, due_date)
    total = Decimal(str(total))
    created = Bill.objects.create(
        customer=customer,
        period=start,
        issue_date=issue,
        due_date=due_date,
        energy_kwh=Decimal(str(kwh)),
        flat_kwh=Decimal(str(kwh)),
        energy_charge=total,
        total=total,
        settled_on=day(settled) if settled else None,
        written_off_at=at(due_date.isoformat()) if written_off else None,
    )
    if settled:
        _allocate(created, total, settled)
    elif paid is not None:
        _allocate(created, Decimal(str(paid)), due_date.isoformat())
    return created


def _allocate(bill_row: Bill, amount: Decimal, on: str) -> None:
    payment = Payment.objects.create(
        customer=bill_row.customer,
        amount=amount,
        paid_at=at(on),
        channel="bank",
        reference=f"R{next(_refs):07d}",
    )
    PaymentAllocation.objects.create(payment=payment, bill=bill_row, amount=amount)


def year_of_bills(customer, *, last: str, months: int = 12, total="1000.00", kwh="10000"):
    """`months` bills up to period `last`, each paid on its due date."""
    end = month(last)
    rows = []
    for back in range(months - 1, -1, -1):
        index = end.year * 12 + end.month - 1 - back
        period = f"{index // 12:04d}-{index % 12 + 1:02d}"
        due = (month(period) + dt.timedelta(days=32)).replace(day=25)
        rows.append(bill(customer, period, total=total, kwh=kwh, settled=due.isoformat()))
    return rows


def promise(customer, *, due: str, status: str = "broken", amount="500.00") -> PaymentPromise:
    return PaymentPromise.objects.create(
        customer=customer, amount=Decimal(amount), due_date=day(due), status=status
    )


def disconnection(customer, *, executed: str, status: str = "reconnected") -> Disconnection:
    notice = CollectionAction.objects.create(
        customer=customer,
        kind="disconnection_notice",
        at=at(executed) - dt.timedelta(days=10),
        delivered_at=at(executed) - dt.timedelta(days=9),
        delivery_method="in_person",
    )
    return Disconnection.objects.create(
        customer=customer,
        scheduled_for=day(executed),
        status=status,
        notice=notice,
        arrears_amount=Decimal("1000.00"),
        oldest_due_date=day(executed) - dt.timedelta(days=40),
        executed_at=at(executed),
    )
