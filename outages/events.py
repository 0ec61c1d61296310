"""An outage's reference numbers, its event log and its state changes (the one state machine of
outages.models), used by every service that changes an outage."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db.models import F

from common import outbox
from common.actors import Actor, person
from outages import tasks
from outages.models import (
    OutageEvent,
    PlannedOutage,
    ReferenceCounter,
)


def source_of(outage: PlannedOutage) -> str:
    return f"outage:{outage.pk}"


# --- references and events ------------------------------------------------------------------


def next_reference(year: int) -> str:
    """`TD2026-0001`: the next number of `year`, distinct under concurrent creation.

    Must run inside the creating transaction: the counter row stays locked until it ends.
    """
    updated = ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    if not updated:
        ReferenceCounter.objects.get_or_create(year=year)
        ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    number = ReferenceCounter.objects.get(year=year).last
    return f"TD{year}-{number:04d}"


def record_event(
    outage: PlannedOutage,
    *,
    action: str,
    actor=None,
    message: str = "",
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
) -> OutageEvent:
    return OutageEvent.objects.create(
        outage=outage,
        action=action,
        actor=person(actor),
        message=message,
        from_status=from_status,
        to_status=to_status or from_status,
        data=data or {},
    )


def locked(outage: PlannedOutage) -> PlannedOutage:
    return PlannedOutage.objects.select_for_update().get(pk=outage.pk)


def transition(
    outage: PlannedOutage,
    action: str,
    *,
    acting_user: Actor,
    message: str = "",
    data: dict | None = None,
    fields: Sequence[str] = (),
) -> PlannedOutage:
    """Move the (locked) outage by `action` per TRANSITIONS, save it, and record the event."""
    before = outage.status
    outage.status = outage.check_action(action)
    outage.save(update_fields=list({"status", "updated_at", *fields}))
    record_event(
        outage,
        action=action,
        actor=person(acting_user),
        message=message,
        from_status=before,
        to_status=outage.status,
        data=data,
    )
    return outage


def dispatch_notices(outage: PlannedOutage, pending: int) -> None:
    """Start enough batch tasks for several workers to share the notices: queued in the
    outbox with the change, published on commit (or once the broker is back)."""

    if pending <= 0:
        return
    chunks = -(-pending // settings.OUTAGE_NOTIFY_CHUNK_SIZE)
    for _i in range(min(chunks, settings.OUTAGE_NOTIFY_PARALLEL_TASKS)):
        outbox.enqueue(tasks.send_outage_notifications, outage.pk)
