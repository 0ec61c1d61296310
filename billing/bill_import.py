"""Planning and writing a bill import: the rows of one request or file are resolved, classified
and written in a fixed number of statements, whatever their number (see docs/billing.md).

- plan: one query resolves the account numbers (within the caller's scope), one reads the
  existing bills of those customers and periods; each row becomes a create, an update, an
  unchanged row or an error.
- write: on PostgreSQL the creates and updates are copied (COPY) into a temporary table and
  upserted by one `INSERT ... ON CONFLICT (customer_id, period) DO UPDATE`; elsewhere (SQLite)
  by `bulk_create(update_conflicts=True)`. The consequences for the balance (lowered totals,
  settlement, customer credit, promises and disconnections) follow, touching only the bills
  and customers that need it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.imports import ImportResult, row_error
from billing.models import Bill, Disconnection, Payment, PaymentPromise, TariffCategory
from billing.payments import (
    after_balance_change,
    apply_customer_credit,
    refresh_settlement,
    trim_allocations,
)
from common.bulk import copy_upsert
from common.money import ZERO
from customers.locks import lock_customers
from customers.models import Customer, Tariff

BILL_FIELDS = (
    "tariff_category",
    "issue_date",
    "due_date",
    "energy_kwh",
    "peak_kwh",
    "flat_kwh",
    "valley_kwh",
    "basic_charge",
    "energy_charge",
    "power_factor_adjustment",
    "other_charges",
    "total",
)
# Where the total is in an existing bill's row as `plan_bill_rows` reads it.
_TOTAL = 4 + BILL_FIELDS.index("total")


def default_tariff_category(tariff: str) -> str:
    if tariff == Tariff.SINGLE_PART:
        return TariffCategory.GENERAL_COMMERCIAL
    return TariffCategory.LARGE_INDUSTRIAL


class BillPlan:
    """What an import would do: rows to create and to update, and the customers touched."""

    def __init__(self) -> None:
        # (row number, customer id, cleaned data)
        self.creates: list[tuple[int, int, dict[str, Any]]] = []
        # (row number, bill id, customer id, cleaned data, old total)
        self.updates: list[tuple[int, int, int, dict[str, Any], Decimal]] = []

    def customer_ids(self) -> set[int]:
        return {c for _, c, _ in self.creates} | {c for _, _, c, _, _ in self.updates}


def plan_bill_rows(
    valid: list[tuple[int, dict]], customers_qs: QuerySet[Customer], result: ImportResult
) -> BillPlan:
    """Resolve customers and existing bills of validated rows (two queries); errors and
    unchanged rows go to `result`."""
    accounts = {data["account_no"] for _, data in valid}
    customers = {
        account_no: (pk, tariff)
        for pk, account_no, tariff in customers_qs.filter(account_no__in=accounts)
        .order_by()
        .values_list("pk", "account_no", "tariff")
    }
    existing = {
        (row[1], row[2]): row
        for row in Bill.objects.filter(
            customer_id__in=[pk for pk, _ in customers.values()],
            period__in={d["period"] for _, d in valid},
        )
        .order_by()
        .values_list("pk", "customer_id", "period", "written_off_at", *BILL_FIELDS)
    }
    seen: dict[tuple[str, dt.date], int] = {}
    plan = BillPlan()
    for row_no, data in valid:
        key = (data["account_no"], data["period"])
        found = customers.get(data["account_no"])
        bill = existing.get((found[0], data["period"])) if found else None
        changed = False
        if found is not None:
            data["tariff_category"] = data["tariff_category"] or default_tariff_category(found[1])
            changed = bill is not None and tuple(data[f] for f in BILL_FIELDS) != bill[4:]
        error = None
        if found is None:
            error = (
                "account_no",
                _("No customer with account number %(no)s.") % {"no": data["account_no"]},
            )
        elif key in seen:
            error = (
                "period",
                _("The same account number and period as row %(row)d.") % {"row": seen[key]},
            )
        elif changed and bill is not None and bill[3] is not None:
            error = ("period", _("This bill was written off and can no longer be changed."))
        if error:
            result.errors.append(row_error(row_no, *error))
            result.outcomes.append((row_no, "error"))
            continue
        assert found is not None  # an unknown account number is an error above
        seen[key] = row_no
        if bill is None:
            plan.creates.append((row_no, found[0], data))
        elif changed:
            plan.updates.append(
                (row_no, bill[0], found[0], data, bill[4 + BILL_FIELDS.index("total")])
            )
        else:
            result.unchanged += 1
            result.outcomes.append((row_no, "unchanged"))
    return plan


def write_bills(plan: BillPlan) -> None:
    """Write the plan (inside the caller's transaction) and settle its consequences."""
    lock_customers(plan.customer_ids())
    lowered = [bill_id for _, bill_id, _, data, old in plan.updates if data["total"] < old]
    may_have_credit = _may_have_credit(plan, lowered)
    rows = [(customer_id, data) for _, customer_id, data in plan.creates] + [
        (customer_id, data) for _, _, customer_id, data, _ in plan.updates
    ]
    if connection.vendor == "postgresql":
        _upsert_copy(rows)
    else:
        _upsert_orm(rows)
    for bill in Bill.objects.filter(pk__in=lowered).order_by("pk"):
        trim_allocations(bill)
    updated_bills = [bill_id for _, bill_id, _, _, _ in plan.updates]
    refresh_settlement(updated_bills)
    with_credit = set(
        Payment.objects.filter(customer_id__in=may_have_credit)
        .active()
        .with_allocated()
        .filter(unallocated_amount__gt=0)
        .values_list("customer_id", flat=True)
    )
    for customer_id in sorted(with_credit):
        apply_customer_credit(customer_id)
    _after_balance_changes({c for _, _, c, _, _ in plan.updates} | with_credit)


def _may_have_credit(plan: BillPlan, lowered: list[int]) -> set[int]:
    """The customers of the plan who may hold credit once it is written.

    Credit is applied to an open bill the moment either appears (a payment is allocated when
    recorded; a new bill, a reversal, a lowered total apply the customer's credit), so a
    customer with an open bill before the import holds none: the costly per-payment check
    (one lookup per payment) is only for customers whose bills were all settled, and for
    those whose total this import lowers (a trimmed allocation becomes credit)."""
    customers = plan.customer_ids()
    with_open_bill = set(
        Bill.objects.filter(customer_id__in=customers)
        .open()
        .order_by()
        .values_list("customer_id", flat=True)
        .distinct()
    )
    lowered_customers = {c for _, bill_id, c, _, _ in plan.updates if bill_id in set(lowered)}
    return (customers - with_open_bill) | lowered_customers


def _settled_on(data: dict[str, Any]) -> dt.date | None:
    return data["issue_date"] if data["total"] == ZERO else None


def _upsert_copy(rows: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """COPY the rows into a temporary table, then one INSERT ... ON CONFLICT DO UPDATE.

    An update keeps `created_at`, `settled_on` (refreshed from the allocations afterwards)
    and the write-off columns; it sets every imported field and `updated_at`."""
    if not rows:
        return
    now = timezone.now()
    copy_upsert(
        Bill,
        (
            "customer",
            "period",
            *BILL_FIELDS,
            "settled_on",
            "created_at",
            "updated_at",
            "write_off_reason",
        ),
        (
            (
                customer_id,
                data["period"],
                *(data[f] for f in BILL_FIELDS),
                _settled_on(data),
                now,
                now,
                "",
            )
            for customer_id, data in rows
        ),
        key=("customer", "period"),
        update=(*BILL_FIELDS, "updated_at"),
    )


def _upsert_orm(rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
    Bill.objects.bulk_create(
        [
            Bill(
                customer_id=customer_id,
                period=data["period"],
                settled_on=_settled_on(data),
                **{f: data[f] for f in BILL_FIELDS},
            )
            for customer_id, data in rows
        ],
        update_conflicts=True,
        unique_fields=["customer", "period"],
        update_fields=[*BILL_FIELDS, "updated_at"],
        batch_size=1000,
    )


def _after_balance_changes(customer_ids: set[int]) -> None:
    """`after_balance_change` for the customers it can change something for: those with a
    pending promise or an active disconnection (two queries, whatever the number of
    customers)."""
    if not customer_ids:
        return
    concerned = set(
        PaymentPromise.objects.filter(customer_id__in=customer_ids)
        .pending()
        .values_list("customer_id", flat=True)
    ) | set(
        Disconnection.objects.filter(customer_id__in=customer_ids)
        .active()
        .values_list("customer_id", flat=True)
    )
    for customer_id in sorted(concerned):
        after_balance_change(customer_id)
