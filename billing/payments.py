"""Payments and their allocation: recording and reversing payments, allocating them to the open
bills oldest first, customer credit and the settlement of bills. Each service checks
billing.policy and runs in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import F, Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy
from billing.allocation import plan_allocation
from billing.balances import refresh_balances
from billing.changes import money_changed
from billing.collection import mark_kept_promises
from billing.disconnections import on_arrears_cleared
from billing.models import (
    Bill,
    Payment,
    PaymentAllocation,
)
from billing.querysets import zero
from common.actors import Actor, person
from common.errors import DomainError, TransitionNotAllowed
from common.moments import check_happened
from common.money import ZERO, to_money
from customers.locks import lock_customers
from customers.models import Customer

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


# --- allocation ------------------------------------------------------------------------------


def _save_settlements(bills: Sequence[Bill]) -> None:
    """Write the bills' `settled_on` in one statement; `updated_at` too, which bulk_update
    does not set by itself (delta sync reads it)."""
    if not bills:
        return
    now = timezone.now()
    for bill in bills:
        bill.updated_at = now
    Bill.objects.bulk_update(bills, ["settled_on", "updated_at"])


class _OpenBillAmounts(TypedDict):
    """What `_open_bills` annotates on each bill."""

    paid_amount: Decimal
    outstanding_amount: Decimal
    bill_status: str
    last_paid_at: dt.datetime | None


def _open_bills(customer_id: int) -> list[WithAnnotations[Bill, _OpenBillAmounts]]:
    """The customer's open bills, oldest due first, with amounts and their last payment time."""
    last_paid = (
        PaymentAllocation.objects.filter(bill_id=OuterRef("pk"))
        .order_by()
        .values("bill_id")
        .annotate(m=Max("payment__paid_at"))
        .values("m")
    )
    return list(
        Bill.objects.filter(customer_id=customer_id)
        .open()
        .with_amounts()
        .annotate(last_paid_at=Subquery(last_paid))
        .order_by("due_date", "period", "pk")
    )


def _allocate(payment: Payment, unallocated: Decimal) -> list[PaymentAllocation]:
    """Spread `unallocated` of `payment` over its customer's open bills (customer locked)."""
    if unallocated <= ZERO:
        return []
    bills = _open_bills(payment.customer_id)
    # (to_money: SQLite, the embedded database, sums decimals as floats.)
    for bill in bills:
        bill.outstanding_amount = to_money(bill.outstanding_amount)
    pieces, _left = plan_allocation(
        to_money(unallocated), [(b, b.outstanding_amount) for b in bills]
    )
    if not pieces:
        return []
    existing = {
        a.bill_id: a
        for a in PaymentAllocation.objects.filter(
            payment=payment, bill_id__in=[b.pk for b, _ in pieces]
        )
    }
    created, pay_day, settled = [], timezone.localdate(payment.paid_at), []
    for bill, amount in pieces:
        if bill.pk in existing:
            PaymentAllocation.objects.filter(pk=existing[bill.pk].pk).update(
                amount=F("amount") + amount
            )
        else:
            created.append(PaymentAllocation(payment=payment, bill=bill, amount=amount))
        if amount == bill.outstanding_amount:
            last = timezone.localdate(bill.last_paid_at) if bill.last_paid_at else pay_day
            bill.settled_on = max(pay_day, last)
            settled.append(bill)
    PaymentAllocation.objects.bulk_create(created)
    _save_settlements(settled)
    return created


@transaction.atomic
def allocate_payment(payment: Payment) -> list[PaymentAllocation]:
    """Allocate what is left of `payment` to its customer's open bills, oldest due first.

    What remains is the customer's credit, consumed by the next bill. Locks the customer.
    """
    lock_customers([payment.customer_id])
    current = Payment.objects.with_allocated().get(pk=payment.pk)
    if current.reversed_at is not None:
        return []
    created = _allocate(current, current.unallocated_amount)
    refresh_balances([payment.customer_id])
    return created


def apply_customer_credit(customer_id: int) -> int:
    """Allocate every unallocated payment amount of the customer (oldest payment first).

    Call with the customer locked, then `refresh_balances` (as for `trim_allocations` and
    `refresh_settlement`). Returns the number of allocation rows created.
    """
    payments = (
        Payment.objects.filter(customer_id=customer_id)
        .active()
        .with_allocated()
        .filter(unallocated_amount__gt=0)
        .order_by("paid_at", "pk")
    )
    count = 0
    for payment in payments:
        count += len(_allocate(payment, payment.unallocated_amount))
    return count


def customer_credit(customer_id: int) -> Decimal:
    """Money received and not yet allocated to a bill."""
    value = (
        Payment.objects.filter(customer_id=customer_id)
        .active()
        .with_allocated()
        .aggregate(s=Coalesce(Sum("unallocated_amount"), zero()))["s"]
    )
    return to_money(value)


def trim_allocations(bill: Bill) -> None:
    """Give back the allocations above a bill's (lowered) total, newest payment first."""
    allocations = list(
        PaymentAllocation.objects.filter(bill=bill).order_by("-payment__paid_at", "-pk")
    )
    excess = sum((a.amount for a in allocations), ZERO) - bill.total
    for allocation in allocations:
        if excess <= ZERO:
            break
        if allocation.amount <= excess:
            excess -= allocation.amount
            allocation.delete()
        else:
            allocation.amount -= excess
            allocation.save(update_fields=["amount"])
            excess = ZERO


def refresh_settlement(bill_ids: Sequence[int]) -> None:
    """Set or clear `settled_on` of the bills from their allocations."""
    last_paid = (
        PaymentAllocation.objects.filter(bill_id=OuterRef("pk"))
        .order_by()
        .values("bill_id")
        .annotate(m=Max("payment__paid_at"))
        .values("m")
    )
    bills = (
        Bill.objects.filter(pk__in=bill_ids, written_off_at__isnull=True)
        .with_amounts()
        .annotate(last_paid_at=Subquery(last_paid))
    )
    changed = []
    for bill in bills:
        if to_money(bill.paid_amount) >= bill.total:
            day = timezone.localdate(bill.last_paid_at) if bill.last_paid_at else bill.issue_date
            if bill.settled_on != day:
                bill.settled_on = day
                changed.append(bill)
        elif bill.settled_on is not None:
            bill.settled_on = None
            changed.append(bill)
    _save_settlements(changed)


def after_balance_change(customer_id: int, *, at: dt.datetime | None = None) -> None:
    """Consequences of a changed balance: kept promises, disconnections no longer due."""

    at = at or timezone.now()
    mark_kept_promises(customer_id)
    if not Bill.objects.filter(customer_id=customer_id).overdue(timezone.localdate(at)).exists():
        on_arrears_cleared(customer_id, at=at)


# --- payments --------------------------------------------------------------------------------


def same_payment(payment: Payment, customer: Customer, amount: Decimal) -> bool:
    return payment.customer_id == customer.pk and payment.amount == amount


@transaction.atomic
def record_payment(
    customer: Customer,
    *,
    amount: Decimal,
    paid_at: dt.datetime,
    channel: str,
    reference: str,
    note: str = "",
    acting_user: Actor,
) -> tuple[Payment, bool]:
    """Record a payment and allocate it; idempotent on (channel, reference).

    Returns (payment, created). The same channel and reference again returns the payment
    already recorded; with another customer or amount it is refused.
    """
    policy.check(acting_user, "record_payment")
    reference = (reference or "").strip()
    if not reference:
        raise DomainError("required", _("Give the payment's reference."), field="reference")
    if amount is None or amount <= ZERO:
        raise DomainError("not_positive", _("The amount must be more than zero."), field="amount")
    paid_at = check_happened(paid_at, field="paid_at")
    lock_customers([customer.pk])
    money_changed([customer.pk])
    existing = Payment.objects.filter(channel=channel, reference=reference).first()
    if existing is None:
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    customer=customer,
                    amount=amount,
                    paid_at=paid_at,
                    channel=channel,
                    reference=reference,
                    note=note,
                    recorded_by=person(acting_user),
                )
        except IntegrityError:
            # The same reference for another customer, committed meanwhile.
            existing = Payment.objects.get(channel=channel, reference=reference)
        else:
            _allocate(payment, payment.amount)
            refresh_balances([customer.pk])
            after_balance_change(customer.pk, at=timezone.now())
            return payment, True
    if not same_payment(existing, customer, amount):
        raise DomainError(
            "reference_taken",
            # Only "already used": the payment may belong to a portfolio the caller does not see.
            _("This reference is already used."),
            field="reference",
        )
    return existing, False


@transaction.atomic
def reverse_payment(payment: Payment, *, reason: str = "", acting_user: Actor) -> Payment:
    policy.check(acting_user, "reverse_payment")
    """Reverse a payment: its allocations are undone and the customer's credit re-applied."""
    lock_customers([payment.customer_id])
    money_changed([payment.customer_id])
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.reversed_at is not None:
        raise TransitionNotAllowed("already_reversed", _("This payment is already reversed."))
    bill_ids = list(payment.allocations.values_list("bill_id", flat=True))
    payment.allocations.all().delete()
    payment.reversed_at = timezone.now()
    payment.reversed_by = person(acting_user)
    payment.reversal_reason = reason[:300]
    payment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason", "updated_at"])
    refresh_settlement(bill_ids)
    apply_customer_credit(payment.customer_id)
    refresh_balances([payment.customer_id])
    after_balance_change(payment.customer_id)
    return payment
