"""Confirmations and escalation: calls the managers record, receipts the customers confirm
by their link, the SMS gateway's delivery reports, and the escalation of important
customers still unconfirmed before the start."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager.models import FollowUp, FollowUpKind, NoticeCategory
from accounts_manager.services import close_followup, notify_user, supervisor_of
from common.actors import Actor, person
from common.errors import DomainError
from common.moments import check_happened
from customers.models import Customer
from outages import events, policy, services
from outages.models import (
    IMPACT_STATUSES,
    Notification,
    NotificationStatus,
    OutageImpact,
    OutageStatus,
    PlannedOutage,
)

logger = logging.getLogger(__name__)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def record_confirmed_call(
    outage: PlannedOutage, *, customer: Customer, acting_user: Actor, note: str = ""
) -> OutageImpact:
    """The manager called the customer and the customer confirmed the outage."""
    policy.check(acting_user, "confirm_call")
    impact = (
        OutageImpact.objects.select_for_update()
        .filter(outage=outage, customer=customer, removed_at__isnull=True)
        .first()
    )
    if impact is None:
        raise DomainError(
            "not_affected", _("This customer is not affected by the outage."), field="customer"
        )
    if outage.status not in IMPACT_STATUSES and outage.status != OutageStatus.IN_PROGRESS:
        raise DomainError(
            "not_open", _("Calls are recorded for approved outages only."), field="customer"
        )
    if impact.call_confirmed_at is None:
        impact.call_confirmed_at = timezone.now()
        impact.call_confirmed_by = person(acting_user)
        impact.call_note = note.strip()[:500]
        impact.save(update_fields=["call_confirmed_at", "call_confirmed_by", "call_note"])
        events.record_event(
            outage,
            action="call_confirmed",
            actor=person(acting_user),
            from_status=outage.status,
            message=_("Call confirmed with %(customer)s") % {"customer": customer.name},
            data={"customer": customer.account_no, "note": impact.call_note},
        )
    for followup in FollowUp.objects.open().filter(
        source=events.source_of(outage),
        customer=customer,
        kind__in=[FollowUpKind.OUTAGE_CONFIRM_CALL, FollowUpKind.OUTAGE_UNREACHABLE],
    ):
        close_followup(followup, acting_user=acting_user, note=note)
    return impact


@transaction.atomic
def confirm_receipt(token: str) -> tuple[Notification | None, bool]:
    """The customer opened the link of a notice and confirmed it.

    Returns (notification, newly confirmed); (None, False) for an unknown token.
    """
    notification = (
        Notification.objects.select_for_update()
        .filter(token=token)
        .select_related("outage", "customer")
        .first()
    )
    if notification is None:
        return None, False
    if notification.confirmed_at is not None:
        return notification, False
    now = timezone.now()
    notification.status = NotificationStatus.CONFIRMED
    notification.confirmed_at = now
    notification.delivered_at = notification.delivered_at or now
    notification.sent_at = notification.sent_at or now
    notification.save(
        update_fields=["status", "confirmed_at", "delivered_at", "sent_at", "updated_at"]
    )
    OutageImpact.objects.filter(
        outage_id=notification.outage_id,
        customer_id=notification.customer_id,
        confirmed_at__isnull=True,
    ).update(confirmed_at=now)
    events.record_event(
        notification.outage,
        action="receipt_confirmed",
        from_status=notification.outage.status,
        message=_("%(customer)s confirmed receipt of the %(kind)s")
        % {"customer": notification.customer.name, "kind": notification.get_kind_display()},
        data={"notification": notification.pk, "contact": notification.contact_id},
    )
    return notification, True


@dataclass(frozen=True)
class DeliveryReport:
    provider_ref: str
    delivered: bool
    error: str = ""
    at: dt.datetime | None = None


def record_delivery_reports(reports: Sequence[DeliveryReport]) -> dict[str, object]:
    """Apply the SMS gateway's delivery reports (DLR) to the notices it names.

    A sent notice becomes delivered, or failed with the provider's reason (then the
    customer may become unreachable). Reports for unknown messages are returned; a report
    for a notice already delivered, failed or confirmed changes nothing, so a gateway may
    send a report again.
    """
    updated, unknown, outages = 0, [], set()
    with transaction.atomic():
        refs = [r.provider_ref for r in reports]
        rows = {
            n.provider_ref: n
            for n in Notification.objects.select_for_update()
            .filter(provider_ref__in=refs)
            .exclude(provider_ref="")
            .order_by("pk")
        }
        for report in reports:
            row = rows.get(report.provider_ref)
            if row is None:
                unknown.append(report.provider_ref)
                continue
            if row.status != NotificationStatus.SENT:
                continue
            if report.delivered:
                row.status = NotificationStatus.DELIVERED
                row.delivered_at = check_happened(report.at, field="at") or timezone.now()
                row.save(update_fields=["status", "delivered_at", "updated_at"])
            else:
                row.status = NotificationStatus.FAILED
                row.last_error = (report.error or "undelivered")[:500]
                row.save(update_fields=["status", "last_error", "updated_at"])
                outages.add(row.outage_id)
            updated += 1
    for outage_id in sorted(outages):
        services.settle_notices(outage_id)
    return {"updated": updated, "unknown": unknown}


def escalate_unconfirmed_important(*, now: dt.datetime | None = None) -> int:
    """Tell the supervisor of each important customer still unconfirmed within
    OUTAGE_CONFIRM_ESCALATION_BEFORE of the start (scheduled job; idempotent)."""
    now = now or timezone.now()
    due = OutageImpact.objects.filter(
        important=True,
        removed_at__isnull=True,
        call_confirmed_at__isnull=True,
        escalated_at__isnull=True,
        outage__status__in=IMPACT_STATUSES,
        outage__start__gt=now,
        outage__start__lte=now + settings.OUTAGE_CONFIRM_ESCALATION_BEFORE,
    ).select_related("outage", "customer")
    escalated = 0
    for impact in due:
        supervisor = supervisor_of(impact.customer)
        if supervisor is None:
            logger.warning("no supervisor to escalate impact %s to", impact.pk)
            continue
        with transaction.atomic():
            if not OutageImpact.objects.filter(pk=impact.pk, escalated_at__isnull=True).update(
                escalated_at=now
            ):
                continue  # another run took it
            outage, customer = impact.outage, impact.customer
            notify_user(
                supervisor,
                key=f"outage-unconfirmed:{outage.pk}:{customer.pk}",
                title=_("Unconfirmed important customer: %(customer)s")
                % {"customer": customer.name},
                body=_(
                    "Outage %(ref)s starts at %(start)s and no confirmed call with "
                    "%(customer)s is recorded."
                )
                % {
                    "ref": outage.reference,
                    "start": _when(outage.start),
                    "customer": customer.name,
                },
                link=outage.get_absolute_url(),
                category=NoticeCategory.ESCALATION,
            )
            events.record_event(
                outage,
                action="escalated",
                from_status=outage.status,
                message=_("Unconfirmed %(customer)s escalated to %(supervisor)s")
                % {"customer": customer.name, "supervisor": supervisor},
                data={"customer": customer.account_no, "supervisor": supervisor.pk},
            )
            escalated += 1
    return escalated
