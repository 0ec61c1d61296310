"""Collection: recording collection actions and notice deliveries, payment promises and whether
they were kept. Each service checks billing.policy and runs in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager.services import close_followups_for_source, raise_followup
from billing import policy
from billing.changes import money_changed
from billing.models import (
    WRITTEN_NOTICES,
    ActionKind,
    Bill,
    CollectionAction,
    Payment,
    PaymentPromise,
    PromiseStatus,
)
from billing.querysets import money_field, zero
from common.actors import Actor, person
from common.errors import DomainError
from common.moments import check_date, check_happened
from common.money import ZERO, to_money
from customers.models import Customer

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


# --- collection actions and promises ---------------------------------------------------------


def _check_delivery(kind: str, at: dt.datetime, delivered_at: dt.datetime | None) -> None:
    if delivered_at is None:
        return
    if kind not in (*WRITTEN_NOTICES, ActionKind.SMS):
        raise DomainError(
            "no_delivery",
            _("Only written notices and SMS have a delivery time."),
            field="delivered_at",
        )
    if delivered_at < at:
        raise DomainError(
            "delivered_before_sent",
            _("A notice cannot be delivered before it was issued."),
            field="delivered_at",
        )
    check_happened(delivered_at, field="delivered_at")


@transaction.atomic
def record_collection_action(
    customer: Customer,
    *,
    kind: str,
    at: dt.datetime | None = None,
    outcome: str = "",
    delivered_at: dt.datetime | None = None,
    delivery_method: str = "",
    delivered_to: str = "",
    acting_user: Actor,
) -> CollectionAction:
    """Record a call, visit, SMS, written payment reminder or disconnection notice."""
    policy.check(acting_user, "record_collection_action")
    at = at or timezone.now()
    if kind not in ActionKind.values:
        raise DomainError("invalid_kind", _("Unknown kind of action."), field="kind")
    at = check_happened(at, field="at")
    _check_delivery(kind, at, delivered_at)
    return CollectionAction.objects.create(
        customer=customer,
        kind=kind,
        at=at,
        outcome=outcome,
        delivered_at=delivered_at,
        delivery_method=delivery_method if delivered_at else "",
        delivered_to=delivered_to if delivered_at else "",
        recorded_by=person(acting_user),
    )


@transaction.atomic
def record_notice_delivery(
    action: CollectionAction,
    *,
    delivered_at: dt.datetime,
    delivery_method: str = "",
    delivered_to: str = "",
    outcome: str | None = None,
    acting_user: Actor,
) -> CollectionAction:
    """Record when and how a notice reached the customer (or correct it before it is used)."""
    policy.check(acting_user, "record_notice_delivery")
    action = CollectionAction.objects.select_for_update().get(pk=action.pk)
    if action.delivered_at != delivered_at and action.disconnections.exists():
        raise DomainError(
            "used_as_evidence",
            _("This notice is the evidence of a disconnection; its delivery cannot change."),
            field="delivered_at",
        )
    _check_delivery(action.kind, action.at, delivered_at)
    action.delivered_at = delivered_at
    action.delivery_method = delivery_method
    action.delivered_to = delivered_to
    fields = ["delivered_at", "delivery_method", "delivered_to", "updated_at"]
    if outcome is not None:
        action.outcome = outcome
        fields.append("outcome")
    action.save(update_fields=fields)
    return action


def _promise_source(promise: PaymentPromise) -> str:
    return f"promise:{promise.pk}"


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))


@transaction.atomic
def record_promise(
    customer: Customer,
    *,
    amount: Decimal,
    due_date: dt.date,
    promised_by: str = "",
    note: str = "",
    acting_user: Actor,
) -> PaymentPromise:
    """Record a promise to pay; it appears in the manager's queue on its due date."""
    policy.check(acting_user, "record_promise")

    if amount is None or amount <= ZERO:
        raise DomainError("not_positive", _("The amount must be more than zero."), field="amount")
    if due_date < timezone.localdate():
        raise DomainError(
            "in_past", _("The promised date cannot be in the past."), field="due_date"
        )
    check_date(due_date, field="due_date", kind="planned")
    if not Bill.objects.filter(customer=customer).open().exists():
        raise DomainError(
            "nothing_owed", _("The customer owes nothing to promise."), field="amount"
        )
    promise = PaymentPromise.objects.create(
        customer=customer,
        amount=amount,
        due_date=due_date,
        promised_by=promised_by,
        note=note,
        recorded_by=person(acting_user),
    )
    money_changed([customer.pk])
    raise_followup(
        customer,
        kind="promise",
        source=_promise_source(promise),
        due_at=_end_of_day(due_date),
        summary=_("Payment promise of ¥%(amount)s due on %(date)s")
        % {"amount": amount, "date": due_date.isoformat()},
    )
    return promise


class _PaidTowards(TypedDict):
    """What `_promises_with_paid` annotates on each promise."""

    paid_towards: Decimal


def _promises_with_paid(
    qs: QuerySet[PaymentPromise],
) -> QuerySet[WithAnnotations[PaymentPromise, _PaidTowards]]:
    """Annotate `paid_towards` (active payments from the promise's day to its due date)."""
    paid = (
        Payment.objects.filter(
            customer_id=OuterRef("customer_id"),
            reversed_at__isnull=True,
            paid_at__date__gte=OuterRef("created_at__date"),
            paid_at__date__lte=OuterRef("due_date"),
        )
        .order_by()
        .values("customer_id")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return qs.annotate(paid_towards=Coalesce(Subquery(paid, output_field=money_field()), zero()))


def _resolve_promises(
    promises: Iterable[WithAnnotations[PaymentPromise, _PaidTowards]], status: str, now
) -> None:

    for promise in promises:
        money_changed([promise.customer_id])
        promise.status = status
        promise.paid_amount = promise.paid_towards
        promise.resolved_at = now
        promise.save(update_fields=["status", "paid_amount", "resolved_at", "updated_at"])
        if status == PromiseStatus.KEPT:
            close_followups_for_source(source=_promise_source(promise), kinds=["promise"])
            continue
        close_followups_for_source(
            source=_promise_source(promise), kinds=["promise"], status="cancelled"
        )
        raise_followup(
            promise.customer,
            kind="promise",
            source=_promise_source(promise),
            due_at=now + dt.timedelta(days=1),
            summary=_("Broken payment promise: ¥%(amount)s due on %(date)s, ¥%(paid)s paid")
            % {
                "amount": promise.amount,
                "date": promise.due_date.isoformat(),
                "paid": promise.paid_towards,
            },
        )


def mark_kept_promises(customer_id: int) -> int:
    """Mark the customer's pending promises that the payments now cover as kept."""
    pending = _promises_with_paid(
        PaymentPromise.objects.filter(customer_id=customer_id).pending()
    ).filter(paid_towards__gte=F("amount"))
    promises = list(pending)
    _resolve_promises(promises, PromiseStatus.KEPT, timezone.now())
    return len(promises)


@transaction.atomic
def check_promises(*, as_of: dt.date | None = None) -> dict[str, int]:
    """The daily check: pending promises past their date become kept or broken.

    A broken promise opens a follow-up in the manager's queue. Claims the rows with
    `skip_locked` so two runs never resolve the same promise.
    """
    as_of = as_of or timezone.localdate()
    due = list(
        _promises_with_paid(
            PaymentPromise.objects.pending()
            .filter(due_date__lt=as_of)
            .select_for_update(skip_locked=True, of=("self",))
        ).select_related("customer")
    )
    for p in due:
        p.paid_towards = to_money(p.paid_towards)
    kept = [p for p in due if p.paid_towards >= p.amount]
    broken = [p for p in due if p.paid_towards < p.amount]
    now = timezone.now()
    _resolve_promises(kept, PromiseStatus.KEPT, now)
    _resolve_promises(broken, PromiseStatus.BROKEN, now)
    return {"kept": len(kept), "broken": len(broken)}
