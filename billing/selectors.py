"""Read-side queries of billing: arrears per customer, aging, late fees, a customer's account.

Each function runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy

from billing.balances import refresh_stale_balances
from billing.latefees import LateFeeRates, late_fee
from billing.models import (
    Bill,
    CollectionAction,
    CustomerBalance,
    Disconnection,
    Payment,
    PaymentAllocation,
    PaymentPromise,
    TariffCategory,
)
from billing.payments import customer_credit
from billing.querysets import (
    AGING_BUCKETS,
    aging_bucket_q,
    bill_outstanding_expression,
    money_field,
    zero,
)
from common.money import ZERO, to_money
from customers.models import Assignment

AGING_CHOICES = [
    (key, f"{first}–{last}" if last is not None else f">{first - 1}")
    for key, first, last in AGING_BUCKETS
]
AGING_LABELS = {
    "1_30": gettext_lazy("1–30 days"),
    "31_60": gettext_lazy("31–60 days"),
    "61_90": gettext_lazy("61–90 days"),
    "over_90": gettext_lazy("Over 90 days"),
}


def outstanding_annotation(customer_ref: str = "pk"):
    """For `Customer` querysets: `.annotate(outstanding_amount=outstanding_annotation())`,
    read from the customer's balance (0 without one)."""
    kept = CustomerBalance.objects.filter(customer_id=OuterRef(customer_ref)).values("outstanding")
    return Coalesce(Subquery(kept, output_field=money_field()), zero())


def with_arrears_aged(rows, key: str):
    """`arrears_queryset` rows (or any rows annotated `aging_<key>`) of the customers with
    arrears in the aging bucket `key` — the "aging" filter of the arrears page and API."""
    if key not in AGING_LABELS:
        raise ValueError(f"unknown aging bucket {key!r}")
    return rows.filter(**{f"aging_{key}__gt": 0})


def aging_annotations(as_of: dt.date) -> dict:
    """Aggregates over open bills: outstanding per aging bucket, as `aging_<key>`."""
    outstanding = bill_outstanding_expression()
    return {
        f"aging_{key}": Sum(outstanding, filter=aging_bucket_q(as_of, first, last), default=ZERO)
        for key, first, last in AGING_BUCKETS
    }


def arrears_queryset(user, *, as_of: dt.date | None = None):
    """The balances (`CustomerBalance`) of the visible customers in arrears on `as_of`.

    No bill is read: the candidates, filters, orderings (`order_arrears`) and the count are
    served by the balance table and its indexes. Page through
    `.values_list("customer_id", flat=True)` (an index-only scan even for deep pages) and
    complete the page with `arrears_rows`. Balances whose aging figures do not hold on `as_of`
    (the nightly roll has not run yet) are refreshed first.
    """
    as_of = as_of or timezone.localdate()
    refresh_stale_balances(as_of=as_of)
    return CustomerBalance.objects.visible_to(user).in_arrears()


# The orderings of the arrears list (API `?ordering=` and page) as balance columns.
ARREARS_ORDERINGS = {
    "outstanding": "outstanding",
    "overdue": "overdue",
    "oldest_due_date": "arrears_since",
    "days_past_due": "-arrears_since",
    "account_no": "customer__account_no",
}


def order_arrears(rows, terms: Sequence[str]):
    """Order `arrears_queryset` rows by ARREARS_ORDERINGS terms (`-` for descending).

    Ties go by customer id in the direction of the first term, so one index per column
    (`balance_*_idx`, ascending) serves both directions, read forwards or backwards."""
    columns = []
    for term in terms:
        descending = term.startswith("-")
        column = ARREARS_ORDERINGS[term.lstrip("-")]
        flip = column.startswith("-") != descending
        columns.append(("-" if flip else "") + column.lstrip("-"))
    columns = columns or ["-outstanding"]
    return rows.order_by(*columns, ("-" if columns[0].startswith("-") else "") + "customer_id")


@dataclass
class ArrearsRow:
    customer_id: int
    account_no: str
    customer_name: str
    region_code: str
    region_name: str
    importance: str
    outstanding: Decimal
    overdue: Decimal
    oldest_due_date: dt.date
    days_past_due: int
    open_bills: int
    aging: dict[str, Decimal]
    late_fee: Decimal
    manager_id: int | None
    manager_name: str


def arrears_rows(customer_ids: Iterable[int], *, as_of: dt.date | None = None) -> list[ArrearsRow]:
    """The rows of a page of customers in arrears (ids from `arrears_queryset`, in order):
    amounts and aging from the balance, days past due, late fee, manager (3 queries)."""

    as_of = as_of or timezone.localdate()
    ids = list(customer_ids)
    manager = Assignment.objects.filter(customer_id=OuterRef("customer_id"), end__isnull=True)
    found = {
        r["customer_id"]: r
        for r in CustomerBalance.objects.filter(customer_id__in=ids).values(
            "customer_id",
            "outstanding",
            "overdue",
            "open_bills",
            "oldest_open_due",
            *(f"aging_{key}" for key, _first, _last in AGING_BUCKETS),
            account_no=F("customer__account_no"),
            customer_name=F("customer__name"),
            region_code=F("customer__region__code"),
            region_name=F("customer__region__name"),
            importance=F("customer__importance"),
            manager_id=Subquery(manager.values("manager_id")[:1]),
            manager_name=Subquery(
                manager.values(n=Coalesce(NullIf("manager__name", Value("")), "manager__username"))[
                    :1
                ]
            ),
        )
    }
    fees = customer_late_fees(ids, as_of=as_of)
    result = []
    for r in (found[pk] for pk in ids if pk in found):
        result.append(
            ArrearsRow(
                customer_id=r["customer_id"],
                account_no=r["account_no"],
                customer_name=r["customer_name"],
                region_code=r["region_code"],
                region_name=r["region_name"],
                importance=r["importance"],
                outstanding=to_money(r["outstanding"]),
                overdue=to_money(r["overdue"]),
                oldest_due_date=r["oldest_open_due"],
                days_past_due=(as_of - r["oldest_open_due"]).days,
                open_bills=r["open_bills"],
                aging={key: to_money(r[f"aging_{key}"]) for key, _, _ in AGING_BUCKETS},
                late_fee=fees.get(r["customer_id"], ZERO),
                manager_id=r["manager_id"],
                manager_name=r["manager_name"] or "",
            )
        )
    return result


# --- late fees -------------------------------------------------------------------------------


def _payments_by_bill(bill_ids: Sequence[int]) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """(payment day, amount) of each bill's allocations, in one query."""
    found: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    if not bill_ids:
        return found
    for bill_id, paid_at, amount in PaymentAllocation.objects.filter(
        bill_id__in=bill_ids
    ).values_list("bill_id", "payment__paid_at", "amount"):
        found[bill_id].append((timezone.localdate(paid_at), amount))
    return found


def bill_late_fees(bills: Sequence[Bill], *, as_of: dt.date | None = None) -> dict[int, Decimal]:
    """The late fee of each bill on `as_of` (one query for the allocations)."""
    as_of = as_of or timezone.localdate()
    late = [b for b in bills if b.due_date < as_of and b.written_off_at is None]
    payments = _payments_by_bill([b.pk for b in late])
    rates = LateFeeRates.from_settings()
    fees = {b.pk: ZERO for b in bills}
    for bill in late:
        fees[bill.pk] = late_fee(
            total=bill.total,
            due_date=bill.due_date,
            as_of=as_of,
            payments=payments.get(bill.pk, ()),
            rates=rates,
            residential=bill.tariff_category == TariffCategory.RESIDENTIAL,
        )
    return fees


def customer_late_fees(
    customer_ids: Sequence[int], *, as_of: dt.date | None = None
) -> dict[int, Decimal]:
    """The late fees owed on each customer's open overdue bills (two queries)."""
    as_of = as_of or timezone.localdate()
    if not customer_ids:
        return {}
    bills = list(
        Bill.objects.filter(customer_id__in=customer_ids)
        .overdue(as_of)
        .only("pk", "customer_id", "total", "due_date", "tariff_category", "written_off_at")
    )
    fees = bill_late_fees(bills, as_of=as_of)
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for bill in bills:
        totals[bill.customer_id] += fees[bill.pk]
    return dict(totals)


# --- one customer's account ------------------------------------------------------------------


@dataclass
class CustomerAccount:
    bills: list[Bill]
    late_fees: dict[int, Decimal]
    payments: list[Payment]
    actions: list[CollectionAction]
    promises: list[PaymentPromise]
    disconnections: list[Disconnection]
    outstanding: Decimal
    overdue: Decimal
    credit: Decimal
    aging: dict[str, Decimal]
    late_fee_total: Decimal
    oldest_due_date: dt.date | None
    days_past_due: int


def customer_account(
    customer, *, as_of: dt.date | None = None, months: int = 24, rows: int = 50
) -> CustomerAccount:
    """Everything the arrears tab shows for one customer, in a fixed number of queries."""
    from django.db.models import Prefetch

    as_of = as_of or timezone.localdate()
    bills = list(Bill.objects.filter(customer=customer).with_amounts().order_by("-period")[:months])
    late_fees = bill_late_fees(bills, as_of=as_of)
    open_bills = [b for b in bills if b.written_off_at is None and b.settled_on is None]
    summary = (
        Bill.objects.filter(customer=customer)
        .open()
        .aggregate(
            outstanding=Sum(bill_outstanding_expression(), default=ZERO),
            overdue=Sum(bill_outstanding_expression(), filter=Q(due_date__lt=as_of), default=ZERO),
            oldest=Min("due_date", filter=Q(due_date__lt=as_of)),
            **aging_annotations(as_of),
        )
    )
    payments = list(
        Payment.objects.filter(customer=customer)
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("bill"))
        )
        .order_by("-paid_at", "-pk")[:rows]
    )
    oldest = summary["oldest"]
    return CustomerAccount(
        bills=bills,
        late_fees=late_fees,
        payments=payments,
        actions=list(
            CollectionAction.objects.filter(customer=customer)
            .select_related("recorded_by")
            .order_by("-at", "-pk")[:rows]
        ),
        promises=list(
            PaymentPromise.objects.filter(customer=customer).order_by("-due_date", "-pk")[:rows]
        ),
        disconnections=list(
            Disconnection.objects.filter(customer=customer)
            .select_related("approved_by", "requested_by")
            .order_by("-created_at")[:rows]
        ),
        outstanding=to_money(summary["outstanding"]),
        overdue=to_money(summary["overdue"]),
        credit=customer_credit(customer.pk),
        aging={key: to_money(summary[f"aging_{key}"]) for key, _, _ in AGING_BUCKETS},
        late_fee_total=sum((late_fees[b.pk] for b in open_bills), ZERO)
        + _older_open_late_fees(customer, bills, as_of),
        oldest_due_date=oldest,
        days_past_due=(as_of - oldest).days if oldest else 0,
    )


def _older_open_late_fees(customer, shown: Sequence[Bill], as_of: dt.date) -> Decimal:
    """Late fees of open bills older than the bills shown (rare; usually no rows)."""
    if not shown:
        return ZERO
    older = list(Bill.objects.filter(customer=customer, period__lt=shown[-1].period).overdue(as_of))
    return sum(bill_late_fees(older, as_of=as_of).values(), ZERO)
