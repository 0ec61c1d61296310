"""What the business does with complaint tickets.

Every write runs in one transaction on the locked ticket, checks the action against the one
transition map (`check_action`), records a ComplaintEvent, and raises DomainError (400),
TransitionNotAllowed (409) or a ValidationError with field messages (400) when refused.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager.models import FollowUp
from accounts_manager.services import notify_user
from common.actors import Actor, person
from common.errors import DomainError
from common.moments import happened_problem
from common.uploads import files_removed_on_failure, upload_name
from complaints import policy
from complaints.attachments import check_upload
from complaints.deadlines import deadlines_for

# Registration lives in complaints.intake; it is part of this module's interface.
from complaints.intake import find_repeat_of, next_ticket_no, register_complaint  # noqa: F401
from complaints.models import (
    COMPLAINT_MACHINE,
    WORKING_STATUSES,
    Category,
    Channel,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    EventKind,
    InformedVia,
    Responsibility,
    Severity,
    Status,
)
from complaints.tickets import (
    check_assignee,
    check_choice,
    close_ticket_followups,
    escalation_suffix,
    record_event,
    ticket_label,
    ticket_link,
    ticket_source,
)

logger = logging.getLogger(__name__)

RESOLUTION_FIELDS = (
    "root_cause",
    "responsibility",
    "justification",
    "corrective_action",
    "customer_informed_at",
    "customer_informed_via",
)
EDITABLE_FIELDS = ("description", "channel", "category", "severity")


# --- helpers ---------------------------------------------------------------------------------


def lock_ticket(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def check_action(complaint: Complaint, action: str) -> None:
    """Refuse (409) an action the ticket's status does not allow: the one transition check."""
    COMPLAINT_MACHINE.check(complaint, action)


def set_status(complaint: Complaint, action: str) -> str:
    """Move the ticket by `action` per the transition map; return the previous status."""
    to = COMPLAINT_MACHINE.check(complaint, action)
    previous = complaint.status
    complaint.status = to
    return previous


# --- changes while the ticket is worked ------------------------------------------------------


@transaction.atomic
def update_complaint(complaint: Complaint, *, acting_user: Actor, **fields) -> Complaint:
    """Correct the description, channel, category or severity of a ticket that is not closed.

    A new category or severity recomputes the deadlines of the current cycle from its start.
    """
    policy.require(acting_user, "update")
    complaint = lock_ticket(complaint)
    check_action(complaint, "update")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(
            "not_editable", _("This field cannot be changed here."), field=sorted(unknown)[0]
        )
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
        if not fields["description"]:
            raise DomainError("required", _("Describe the complaint."), field="description")
    for name, choices in (("channel", Channel), ("category", Category), ("severity", Severity)):
        if name in fields:
            check_choice(fields[name], choices, name)
    changes = {
        name: [getattr(complaint, name), value]
        for name, value in fields.items()
        if getattr(complaint, name) != value
    }
    if not changes:
        return complaint
    for name, (_old, new) in changes.items():
        setattr(complaint, name, new)
    update_fields = [*changes, "updated_at"]
    if "category" in changes or "severity" in changes:
        deadlines = deadlines_for(
            category=complaint.category,
            severity=complaint.severity,
            start=complaint.cycle_started_at,
        )
        for name, value in vars(deadlines).items():
            setattr(complaint, name, value)
        update_fields += list(vars(deadlines))
        changes["ack_due"] = [None, complaint.ack_due.isoformat()]
        changes["resolve_due"] = [None, complaint.resolve_due.isoformat()]
    complaint.save(update_fields=update_fields)
    record_event(complaint, EventKind.UPDATED, actor=acting_user, data={"changes": changes})
    return complaint


@transaction.atomic
def assign_complaint(
    complaint: Complaint, *, assignee, acting_user: Actor, note: str = ""
) -> Complaint:
    """Hand the ticket to another account manager or supervisor (dispatch, 派单)."""
    policy.require(acting_user, "assign")
    complaint = lock_ticket(complaint)
    check_action(complaint, "assign")
    check_assignee(assignee)
    if assignee is None:
        raise DomainError("required", _("Choose who handles the complaint."), field="assignee")
    if complaint.assignee_id == assignee.pk:
        raise DomainError(
            "already_assigned",
            _("The complaint is already assigned to %(user)s.") % {"user": assignee},
            field="assignee",
        )
    previous = complaint.assignee_id
    complaint.assignee = assignee
    complaint.save(update_fields=["assignee", "updated_at"])
    # The deadline follow-ups of this ticket move with it (escalations stay with the supervisor).
    FollowUp.objects.open().filter(
        source__in=[ticket_source(complaint, "ack"), ticket_source(complaint, "resolve")]
    ).update(manager=assignee, updated_at=timezone.now())
    event = record_event(
        complaint,
        EventKind.ASSIGNED,
        actor=acting_user,
        message=note.strip(),
        data={"from": previous, "to": assignee.pk},
    )
    notify_user(
        assignee,
        key=f"complaint:{complaint.pk}:assigned:{assignee.pk}:{event.pk}",
        title=_("Complaint %(ticket)s assigned to you") % {"ticket": ticket_label(complaint)},
        body=note.strip(),
        link=ticket_link(complaint),
    )
    return complaint


@transaction.atomic
def move_open_complaints(
    *, from_user, to_user, acting_user: Actor, note: str = "", customer=None
) -> int:
    """Hand every open ticket assigned to `from_user` to `to_user` (portfolio handover), or
    only those of `customer` (one customer reassigned).

    Each moved ticket gets an `assigned` event and its deadline follow-ups move along; the new
    assignee gets one notice. Returns the number of tickets moved.
    """
    policy.require(acting_user, "assign")
    check_assignee(to_user)
    open_tickets = Complaint.objects.filter(assignee=from_user).exclude(status=Status.CLOSED)
    if customer is not None:
        open_tickets = open_tickets.filter(customer=customer)
    tickets = list(open_tickets.select_for_update().order_by("pk"))
    if not tickets:
        return 0
    now = timezone.now()
    Complaint.objects.filter(pk__in=[t.pk for t in tickets]).update(
        assignee=to_user, updated_at=now
    )
    actor = person(acting_user)
    ComplaintEvent.objects.bulk_create(
        ComplaintEvent(
            complaint=t,
            kind=EventKind.ASSIGNED,
            actor=actor,
            at=now,
            message=note.strip(),
            data={"from": from_user.pk, "to": to_user.pk},
        )
        for t in tickets
    )
    FollowUp.objects.open().filter(
        source__in=[ticket_source(t, suffix) for t in tickets for suffix in ("ack", "resolve")]
    ).update(manager=to_user, updated_at=now)
    notify_user(
        to_user,
        key=f"complaints:handover:{from_user.pk}:{to_user.pk}:{now:%Y%m%d%H%M%S}",
        title=_("%(n)d open complaints handed over to you from %(user)s")
        % {"n": len(tickets), "user": from_user},
        link=reverse("complaints:list") + "?status=open",
    )
    return len(tickets)


@transaction.atomic
def acknowledge_complaint(complaint: Complaint, *, acting_user: Actor, note: str = "") -> Complaint:
    """Record that the customer was contacted (受理): the contact deadline is met."""
    policy.require(acting_user, "acknowledge")
    complaint = lock_ticket(complaint)
    check_action(complaint, "acknowledge")
    now = timezone.now()
    previous = set_status(complaint, "acknowledge")
    complaint.acknowledged_at = now
    complaint.save(update_fields=["status", "acknowledged_at", "updated_at"])
    record_event(
        complaint,
        EventKind.ACKNOWLEDGED,
        actor=acting_user,
        at=now,
        from_status=previous,
        to_status=complaint.status,
        message=note.strip(),
        data={"late": now > complaint.ack_due},
    )
    close_ticket_followups(complaint, "ack")
    if complaint.resolve_due > now and complaint.escalation_level:
        close_ticket_followups(complaint, escalation_suffix(complaint.escalation_level))
    return complaint


@transaction.atomic
def start_complaint(complaint: Complaint, *, acting_user: Actor, note: str = "") -> Complaint:
    policy.require(acting_user, "start")
    complaint = lock_ticket(complaint)
    check_action(complaint, "start")
    now = timezone.now()
    previous = set_status(complaint, "start")
    complaint.started_at = now
    complaint.save(update_fields=["status", "started_at", "updated_at"])
    record_event(
        complaint,
        EventKind.STARTED,
        actor=acting_user,
        at=now,
        from_status=previous,
        to_status=complaint.status,
        message=note.strip(),
    )
    return complaint


def _check_resolution(complaint: Complaint, values: dict[str, Any], now: dt.datetime) -> None:
    errors: dict[str, list[str]] = {}
    for name in RESOLUTION_FIELDS:
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[name] = [_("This field is required.")]
    if (
        values.get("responsibility")
        and "responsibility" not in errors
        and (values["responsibility"] not in Responsibility.values)
    ):
        errors["responsibility"] = [_("Choose company, customer, third party or force majeure.")]
    if (
        values.get("customer_informed_via")
        and "customer_informed_via" not in errors
        and (values["customer_informed_via"] not in InformedVia.values)
    ):
        errors["customer_informed_via"] = [_("Choose phone, SMS, visit, letter or e-mail.")]
    informed_at = values.get("customer_informed_at")
    if isinstance(informed_at, dt.datetime):
        problem = happened_problem(informed_at, now=now)
        if problem:
            errors["customer_informed_at"] = [problem]
        # Forms give minutes: the minute of receipt itself is accepted.
        elif informed_at < complaint.received_at.replace(second=0, microsecond=0):
            errors["customer_informed_at"] = [_("This is before the complaint was received.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def resolve_complaint(
    complaint: Complaint,
    *,
    acting_user: Actor,
    root_cause: str,
    responsibility: str,
    justification: str,
    corrective_action: str,
    customer_informed_at: dt.datetime,
    customer_informed_via: str,
) -> Complaint:
    """Record the resolution: root cause, responsibility and why, corrective action, and when
    and how the customer was told. All are required. The ticket then waits for its callback."""
    policy.require(acting_user, "resolve")
    complaint = lock_ticket(complaint)
    check_action(complaint, "resolve")
    now = timezone.now()
    values = {
        "root_cause": root_cause,
        "responsibility": responsibility,
        "justification": justification,
        "corrective_action": corrective_action,
        "customer_informed_at": customer_informed_at,
        "customer_informed_via": customer_informed_via,
    }
    _check_resolution(complaint, values, now)
    # Told within the clock-skew allowance ahead of us: told now, not after the resolution.
    values["customer_informed_at"] = min(customer_informed_at, now)
    for name, value in values.items():
        setattr(complaint, name, value.strip() if isinstance(value, str) else value)
    previous = set_status(complaint, "resolve")
    complaint.resolved_at = now
    complaint.resolved_by = person(acting_user)
    complaint.failed_callbacks = 0
    complaint.save(
        update_fields=[
            *values,
            "status",
            "resolved_at",
            "resolved_by",
            "failed_callbacks",
            "updated_at",
        ]
    )
    record_event(
        complaint,
        EventKind.RESOLVED,
        actor=acting_user,
        at=now,
        from_status=previous,
        to_status=complaint.status,
        message=complaint.corrective_action,
        data={**resolution_snapshot(complaint), "late": now > complaint.resolve_due},
    )
    close_ticket_followups(
        complaint, "ack", "resolve", escalation_suffix(complaint.escalation_level)
    )
    return complaint


def resolution_snapshot(complaint: Complaint) -> dict[str, Any]:
    return {
        "root_cause": complaint.root_cause,
        "responsibility": complaint.responsibility,
        "justification": complaint.justification,
        "corrective_action": complaint.corrective_action,
        "customer_informed_at": complaint.customer_informed_at.isoformat()
        if complaint.customer_informed_at
        else None,
        "customer_informed_via": complaint.customer_informed_via,
    }


# --- comments and attachments ----------------------------------------------------------------


@transaction.atomic
def add_comment(complaint: Complaint, *, acting_user: Actor, text: str) -> ComplaintEvent:
    policy.require(acting_user, "comment")
    text = (text or "").strip()
    if not text:
        raise DomainError("required", _("Write a comment."), field="text")
    return record_event(complaint, EventKind.COMMENT, actor=acting_user, message=text)


def add_attachment(
    complaint: Complaint, *, acting_user: Actor, upload, note: str = ""
) -> ComplaintAttachment:
    """Attach a file after checking its size and type; the stored file is removed again if
    the database write fails, so nothing is half-written."""
    policy.require(acting_user, "attach")
    content_type = check_upload(upload)
    name = upload_name(upload)
    with files_removed_on_failure() as stored, transaction.atomic():
        event = record_event(
            complaint,
            EventKind.ATTACHMENT,
            actor=acting_user,
            message=(note or "").strip(),
            data={"name": name, "size": upload.size},
        )
        attachment = ComplaintAttachment(
            complaint=complaint,
            event=event,
            original_name=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=person(acting_user),
            uploaded_at=event.at,
        )
        attachment.file.save(name, upload, save=False)
        stored(attachment.file)
        attachment.save()
    return attachment


# --- the official calendar -------------------------------------------------------------------


def recompute_provisional_deadlines(*, year: int | None = None) -> int:
    """Recompute the resolution deadline of every open ticket whose deadline was provisional
    (counted across a year whose official calendar was not entered), now that a year is.

    Each ticket whose deadline moves, or stops being provisional, gets a
    `deadlines_recomputed` event. Idempotent: a second run finds nothing to change. Returns the
    number of tickets changed.
    """
    changed = 0
    open_provisional = Complaint.objects.filter(
        deadlines_provisional=True, status__in=WORKING_STATUSES
    )
    for pk in list(open_provisional.values_list("pk", flat=True)):
        with transaction.atomic():
            complaint = open_provisional.select_for_update().filter(pk=pk).first()
            if complaint is not None and _recompute_one(complaint, year=year):
                changed += 1
    return changed


def _recompute_one(complaint: Complaint, *, year: int | None) -> bool:
    fresh = deadlines_for(
        category=complaint.category, severity=complaint.severity, start=complaint.cycle_started_at
    )
    previous_due = complaint.resolve_due
    if (previous_due, complaint.deadlines_provisional) == (
        fresh.resolve_due,
        fresh.deadlines_provisional,
    ):
        return False
    complaint.resolve_due = fresh.resolve_due
    complaint.resolve_warn_at = fresh.resolve_warn_at
    complaint.deadlines_provisional = fresh.deadlines_provisional
    complaint.save(
        update_fields=["resolve_due", "resolve_warn_at", "deadlines_provisional", "updated_at"]
    )
    due = timezone.localtime(fresh.resolve_due)
    record_event(
        complaint,
        EventKind.DEADLINES_RECOMPUTED,
        message=_("The official calendar of %(year)s was entered: resolution due %(due)s.")
        % {"year": year if year is not None else due.year, "due": due.strftime("%Y-%m-%d %H:%M")},
        data={
            "previous_resolve_due": previous_due.isoformat(),
            "resolve_due": fresh.resolve_due.isoformat(),
            "provisional": fresh.deadlines_provisional,
            "year": year,
        },
    )
    return True
