"""What the business does with bills, payments and collection.

Every change to a customer's balance (a payment, a reversal, a new or corrected bill, a
write-off) runs in one transaction that first locks the customer's row, so concurrent payments
for one customer serialise and the allocations always add up. Disconnections are in
`billing.disconnections`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy
from billing.balances import refresh_balances
from billing.imports import (
    BillRowForm,
    ImportResult,
    PaymentRowForm,
    row_error,
    validate_rows,
)
from billing.models import (
    Bill,
    Payment,
    TariffCategory,
)
from billing.payments import (
    after_balance_change,
    apply_customer_credit,
    record_payment,
    refresh_settlement,
    same_payment,
    trim_allocations,
)
from common.actors import Actor, person
from common.errors import DomainError, TransitionNotAllowed
from common.money import ZERO
from customers.locks import lock_customers
from customers.models import Customer, Tariff

if TYPE_CHECKING:
    pass

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


# --- bills -----------------------------------------------------------------------------------


def default_tariff_category(customer: Customer) -> str:
    if customer.tariff == Tariff.SINGLE_PART:
        return TariffCategory.GENERAL_COMMERCIAL
    return TariffCategory.LARGE_INDUSTRIAL


def _plan_bill_rows(valid, customers_qs, result: ImportResult):
    """Resolve customers and existing bills: (creates, updates) of validated rows."""
    accounts = {data["account_no"] for _, data in valid}
    customers = {c.account_no: c for c in customers_qs.filter(account_no__in=accounts)}
    existing = {
        (b.customer_id, b.period): b
        for b in Bill.objects.filter(
            customer__in=list(customers.values()), period__in={d["period"] for _, d in valid}
        )
    }
    seen: dict[tuple[str, dt.date], int] = {}
    creates, updates = [], []
    for row_no, data in valid:
        customer = customers.get(data["account_no"])
        key = (data["account_no"], data["period"])
        bill = existing.get((customer.pk, data["period"])) if customer else None
        changed: list[str] = []
        if customer is not None:
            data["tariff_category"] = data["tariff_category"] or default_tariff_category(customer)
            changed = [f for f in BILL_FIELDS if getattr(bill, f) != data[f]] if bill else []
        error = None
        if customer is None:
            error = (
                "account_no",
                _("No customer with account number %(no)s.") % {"no": data["account_no"]},
            )
        elif key in seen:
            error = (
                "period",
                _("The same account number and period as row %(row)d.") % {"row": seen[key]},
            )
        elif changed and bill is not None and bill.written_off_at is not None:
            error = ("period", _("This bill was written off and can no longer be changed."))
        if error:
            result.errors.append(row_error(row_no, *error))
            result.outcomes.append((row_no, "error"))
            continue
        seen[key] = row_no
        if bill is None:
            creates.append((row_no, customer, data))
        elif changed:
            updates.append((row_no, bill, data, changed))
        else:
            result.unchanged += 1
            result.outcomes.append((row_no, "unchanged"))
    return creates, updates


def _check_importer(acting_user) -> None:
    """Bills and payments arrive from the billing system (API) or a file uploaded on the
    import page."""
    if acting_user is not None and not (
        policy.may(acting_user, "push_bills") or policy.may(acting_user, "import_file")
    ):
        policy.check(acting_user, "push_bills")


def import_bills(
    rows: list,
    *,
    partial: bool = False,
    dry_run: bool = False,
    acting_user: Actor,
    customers=None,
    numbers: list[int] | None = None,
) -> ImportResult:
    """Upsert bills by account number and period.

    Rows with problems are reported with their number; with any problem nothing is written
    unless `partial`, which writes the good rows. `customers` limits the accounts a row may
    name (the uploader's scope). `dry_run` validates and classifies without writing.
    """
    _check_importer(acting_user)
    result = ImportResult()
    valid, result.errors = validate_rows(BillRowForm, rows, numbers=numbers)
    result.outcomes = [(e["row"], "error") for e in result.errors]
    customers_qs = customers if customers is not None else Customer.objects.all()
    creates, updates = _plan_bill_rows(valid, customers_qs, result)
    result.errors.sort(key=lambda e: e["row"])
    result.outcomes += [(n, "create") for n, _, _ in creates]
    result.outcomes += [(n, "update") for n, _, _, _ in updates]
    result.outcomes = sorted(dict(result.outcomes).items())
    if dry_run or (result.errors and not partial):
        result.created = len(creates) if dry_run else 0
        result.updated = len(updates) if dry_run else 0
        return result
    with transaction.atomic():
        _write_bills(creates, updates)
        refresh_balances([c.pk for _, c, _ in creates] + [b.customer_id for _, b, _, _ in updates])
    result.created, result.updated, result.committed = len(creates), len(updates), True
    return result


def _write_bills(creates, updates) -> None:
    lock_customers([c.pk for _, c, _ in creates] + [b.customer_id for _, b, _, _ in updates])
    new_bills = Bill.objects.bulk_create(
        [
            Bill(
                customer=customer,
                period=data["period"],
                settled_on=data["issue_date"] if data["total"] == ZERO else None,
                **{f: data[f] for f in BILL_FIELDS},
            )
            for _, customer, data in creates
        ]
    )
    touched_customers = {b.customer_id for b in new_bills}
    changed_bill_ids = []
    for _row, bill, data, changed in updates:
        lowered = "total" in changed and data["total"] < bill.total
        for name in changed:
            setattr(bill, name, data[name])
        bill.save(update_fields=[*changed, "updated_at"])
        if lowered:
            trim_allocations(bill)
        changed_bill_ids.append(bill.pk)
        touched_customers.add(bill.customer_id)
    refresh_settlement(changed_bill_ids)
    with_credit = set(
        Payment.objects.filter(customer_id__in=touched_customers)
        .active()
        .with_allocated()
        .filter(unallocated_amount__gt=0)
        .values_list("customer_id", flat=True)
    )
    for customer_id in sorted(with_credit):
        apply_customer_credit(customer_id)
    for customer_id in sorted({b.customer_id for _r, b, _d, _c in updates} | with_credit):
        after_balance_change(customer_id)


@transaction.atomic
def write_off_bill(bill: Bill, *, reason: str, acting_user: Actor) -> Bill:
    """Write a bill off as uncollectable (核销): it leaves the arrears; allocations stay."""
    policy.check(acting_user, "write_off_bill")
    if not (reason or "").strip():
        raise DomainError("required", _("Give the reason for the write-off."), field="reason")
    lock_customers([bill.customer_id])
    bill = Bill.objects.select_for_update().get(pk=bill.pk)
    if bill.written_off_at is not None:
        raise TransitionNotAllowed("already_written_off", _("This bill is already written off."))
    if bill.settled_on is not None:
        raise TransitionNotAllowed("paid", _("A paid bill cannot be written off."))
    bill.written_off_at = timezone.now()
    bill.written_off_by = person(acting_user)
    bill.write_off_reason = reason.strip()[:300]
    bill.save(update_fields=["written_off_at", "written_off_by", "write_off_reason", "updated_at"])
    refresh_balances([bill.customer_id])
    after_balance_change(bill.customer_id)
    return bill


def import_payments(
    rows: list,
    *,
    partial: bool = False,
    dry_run: bool = False,
    acting_user: Actor,
    customers=None,
    numbers: list[int] | None = None,
) -> ImportResult:
    """Record payments from rows; a (channel, reference) already recorded is unchanged.

    All or nothing unless `partial`, like `import_bills`.
    """
    _check_importer(acting_user)
    result = ImportResult()
    valid, result.errors = validate_rows(PaymentRowForm, rows, numbers=numbers)
    result.outcomes = [(e["row"], "error") for e in result.errors]
    customers_qs = customers if customers is not None else Customer.objects.all()
    accounts = {d["account_no"] for _, d in valid}
    by_account = {c.account_no: c for c in customers_qs.filter(account_no__in=accounts)}
    existing = {
        (p.channel, p.reference): p
        for p in Payment.objects.filter(reference__in={d["reference"] for _, d in valid})
    }
    seen: dict[tuple[str, str], int] = {}
    todo: list[tuple[int, Customer, dict]] = []
    for row_no, data in valid:
        customer = by_account.get(data["account_no"])
        key = (data["channel"], data["reference"])
        error = None
        if customer is None:
            error = (
                "account_no",
                _("No customer with account number %(no)s.") % {"no": data["account_no"]},
            )
        elif key in seen:
            error = (
                "reference",
                _("The same channel and reference as row %(row)d.") % {"row": seen[key]},
            )
        elif key in existing and not same_payment(existing[key], customer, data["amount"]):
            error = ("reference", _("This reference is already recorded for a different payment."))
        if error:
            result.errors.append(row_error(row_no, *error))
            result.outcomes.append((row_no, "error"))
            continue
        assert customer is not None  # an unknown account number is an error above
        seen[key] = row_no
        if key in existing:
            result.unchanged += 1
            result.outcomes.append((row_no, "unchanged"))
        else:
            todo.append((row_no, customer, data))
            result.outcomes.append((row_no, "create"))
    result.errors.sort(key=lambda e: e["row"])
    result.outcomes = sorted(dict(result.outcomes).items())
    if dry_run or (result.errors and not partial):
        result.created = len(todo) if dry_run else 0
        return result
    with transaction.atomic():
        lock_customers([c.pk for _, c, _ in todo])
        for _row, customer, data in sorted(todo, key=lambda t: (t[1].pk, t[2]["paid_at"])):
            record_payment(
                customer,
                amount=data["amount"],
                paid_at=data["paid_at"],
                channel=data["channel"],
                reference=data["reference"],
                note=data.get("note") or "",
                acting_user=acting_user,
            )
    result.created, result.committed = len(todo), True
    return result
