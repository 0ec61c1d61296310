"""What the business does with bills, payments and collection.

Every change to a customer's balance (a payment, a reversal, a new or corrected bill, a
write-off) runs in one transaction that first locks the customer's row, so concurrent payments
for one customer serialise and the allocations always add up. Disconnections are in
`billing.disconnections`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import bill_import, policy
from billing.balances import refresh_balances
from billing.changes import money_changed
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
)
from billing.payments import (
    after_balance_change,
    record_payment,
    same_payment,
)
from common.actors import Actor, person
from common.errors import DomainError, TransitionNotAllowed
from customers.locks import lock_customers
from customers.models import Customer

if TYPE_CHECKING:
    pass

# --- bills -----------------------------------------------------------------------------------


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
    plan = bill_import.plan_bill_rows(valid, customers_qs, result)
    result.errors.sort(key=lambda e: e["row"])
    result.outcomes += [(n, "create") for n, _, _ in plan.creates]
    result.outcomes += [(n, "update") for n, _, _, _, _ in plan.updates]
    result.outcomes = sorted(dict(result.outcomes).items())
    if dry_run or (result.errors and not partial):
        result.created = len(plan.creates) if dry_run else 0
        result.updated = len(plan.updates) if dry_run else 0
        return result
    with transaction.atomic():
        bill_import.write_bills(plan)
        refresh_balances(plan.customer_ids())
        money_changed(plan.customer_ids())
    result.created, result.updated, result.committed = len(plan.creates), len(plan.updates), True
    return result


@transaction.atomic
def write_off_bill(bill: Bill, *, reason: str, acting_user: Actor) -> Bill:
    """Write a bill off as uncollectable (核销): it leaves the arrears; allocations stay."""
    policy.check(acting_user, "write_off_bill")
    if not (reason or "").strip():
        raise DomainError("required", _("Give the reason for the write-off."), field="reason")
    lock_customers([bill.customer_id])
    money_changed([bill.customer_id])
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
