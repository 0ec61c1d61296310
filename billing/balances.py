"""The customer balance (`CustomerBalance`): recomputed from the rows, set-based, by every write.

Every service that writes a bill, a payment or an allocation locks the customers it touches
(`customers.locks.lock_customers`) and, before its transaction ends, calls
`refresh_balances(ids)`. Writers of one customer serialise on that lock and each recomputes
from the committed rows plus its own, so the balance is exact whatever runs concurrently —
no running sums that a lost update could skew.

A recomputation is two SELECTs (the open bills, the payments, grouped per customer) and one
`INSERT ... ON CONFLICT DO UPDATE` for any number of customers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from billing.models import Bill, CustomerBalance, Payment
from billing.querysets import AGING_BUCKETS, aging_bucket_q, bill_outstanding_expression
from common.bulk import copy_upsert
from common.money import ZERO, to_money
from customers.locks import lock_customers

# The aging buckets as (balance field, first day past due, last day past due or None).
AGING = tuple((f"aging_{key}", first, last) for key, first, last in AGING_BUCKETS)
# The days past due on which a bill moves into a bucket: its figures change then.
STEPS = tuple(first for _name, first, _last in AGING)
MONEY_FIELDS = ("outstanding", "credit", "overdue", *(name for name, _f, _l in AGING))
FIELDS = (
    *MONEY_FIELDS,
    "open_bills",
    "oldest_open_due",
    "arrears_since",
    "computed_on",
    "changes_on",
)
CHUNK = 5000


def compute_balances(customer_ids: Sequence[int], *, as_of: dt.date) -> list[CustomerBalance]:
    """The balances of `customer_ids` as the rows say on `as_of` (two queries, nothing saved).

    A customer without bills or payments gets a zero balance."""
    owed = bill_outstanding_expression()
    steps = {
        f"next_{k}": Min("due_date", filter=Q(due_date__gt=as_of - dt.timedelta(days=k)))
        for k in STEPS
    }
    bills = {
        row["customer_id"]: row
        for row in Bill.objects.filter(customer_id__in=customer_ids)
        .open()
        .order_by()
        .values("customer_id")
        .annotate(
            outstanding=Sum(owed),
            open_bills=Count("pk"),
            oldest_open_due=Min("due_date"),
            overdue=Sum(owed, filter=Q(due_date__lt=as_of)),
            **{name: Sum(owed, filter=aging_bucket_q(as_of, f, last)) for name, f, last in AGING},
            **steps,
        )
    }
    credit = dict(
        Payment.objects.filter(customer_id__in=customer_ids)
        .active()
        .with_allocated()
        .order_by()
        .values("customer_id")
        .annotate(credit=Sum("unallocated_amount"))
        .values_list("customer_id", "credit")
    )
    return [_balance(pk, bills.get(pk, {}), credit.get(pk), as_of=as_of) for pk in customer_ids]


def _balance(pk: int, row: dict[str, Any], credit: Decimal | None, *, as_of: dt.date):
    changes = [
        row[f"next_{k}"] + dt.timedelta(days=k) for k in STEPS if row.get(f"next_{k}") is not None
    ]
    oldest = row.get("oldest_open_due")
    return CustomerBalance(
        customer_id=pk,
        arrears_since=oldest if oldest is not None and oldest < as_of else None,
        credit=to_money(credit or ZERO),
        open_bills=row.get("open_bills", 0),
        oldest_open_due=row.get("oldest_open_due"),
        computed_on=as_of,
        changes_on=min(changes, default=None),
        **{name: to_money(row.get(name) or ZERO) for name in MONEY_FIELDS if name != "credit"},
    )


def save_balances(balances: list[CustomerBalance]) -> None:
    """Upsert computed balances in one statement (on PostgreSQL from a COPY: an import of
    200,000 customers spent more time building `bulk_create`'s SQL than running it)."""
    if not balances:
        return
    now = timezone.now()
    for balance in balances:
        balance.updated_at = now
    if connection.vendor == "postgresql":
        fields = ["customer", *FIELDS, "updated_at"]
        attributes = ["customer_id", *fields[1:]]
        copy_upsert(
            CustomerBalance,
            fields,
            ([getattr(balance, name) for name in attributes] for balance in balances),
            key=["customer"],
            update=fields[1:],
        )
        return
    CustomerBalance.objects.bulk_create(
        balances,
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=[*FIELDS, "updated_at"],
    )


def refresh_balances(customer_ids: Iterable[int], *, as_of: dt.date | None = None) -> int:
    """Recompute and save the balances of `customer_ids` from their rows (three queries).

    Call inside the transaction that changed their rows, with the customers locked (every
    billing write path does both). Returns the number of balances written."""
    ids = sorted(set(customer_ids))
    if not ids:
        return 0
    as_of = as_of or timezone.localdate()
    total = 0
    for start in range(0, len(ids), CHUNK):
        balances = compute_balances(ids[start : start + CHUNK], as_of=as_of)
        save_balances(balances)
        total += len(balances)
    return total


def refresh_stale_balances(*, as_of: dt.date | None = None) -> int:
    """Bring the balances whose overdue and aging figures do not hold on `as_of` up to date,
    in chunks, each in its own transaction under the customers' locks.

    Nothing to do on a normal day once the nightly job has run (one indexed query). A reader
    of those figures calls this first, so it never serves yesterday's aging."""
    as_of = as_of or timezone.localdate()
    done = 0
    while True:
        ids = list(
            CustomerBalance.objects.stale(as_of).order_by("pk").values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            return done
        with transaction.atomic():
            done += refresh_balances(lock_customers(ids), as_of=as_of)


@dataclass
class Drift:
    customer_id: int
    field: str
    kept: str
    actual: str


def differences(kept: CustomerBalance | None, actual: CustomerBalance) -> list[Drift]:
    """Where a kept balance differs from the one recomputed from the rows (None: missing)."""
    if kept is None:
        if actual.open_bills == 0 and actual.credit == ZERO:
            return []  # nothing owed, nothing held: a missing row means the same
        return [Drift(actual.customer_id, "row", "missing", str(actual.outstanding))]
    fields = ["outstanding", "credit", "open_bills", "oldest_open_due"]
    if kept.computed_on == actual.computed_on:
        fields += ["overdue", "arrears_since", "changes_on", *(n for n, _f, _l in AGING)]
    return [
        Drift(actual.customer_id, name, str(getattr(kept, name)), str(getattr(actual, name)))
        for name in fields
        if getattr(kept, name) != getattr(actual, name)
    ]
