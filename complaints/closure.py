"""The end of a ticket's cycle: the callback to the customer (satisfied or not), closing without a
callback after failed attempts (a supervisor's decision), and reopening. Each service checks
complaints.policy, locks the ticket and writes its event."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager.models import FollowUpKind
from accounts_manager.services import notify_user, raise_followup
from common.actors import Actor, person
from common.errors import DomainError
from common.workcalendar import add_working_days
from complaints import policy
from complaints.deadlines import deadlines_for
from complaints.intake import find_repeat_of, next_ticket_no, register_complaint  # noqa: F401
from complaints.models import (
    CallbackAttempt,
    Complaint,
    EventKind,
)
from complaints.services import check_action, lock_ticket, resolution_snapshot, set_status
from complaints.tickets import (
    record_event,
    ticket_label,
    ticket_link,
    ticket_source,
)

# --- callback, closure, reopening ------------------------------------------------------------


@transaction.atomic
def record_callback(
    complaint: Complaint,
    *,
    acting_user: Actor,
    reached: bool = True,
    satisfaction: int | None = None,
    solved: bool | None = None,
    notes: str = "",
) -> Complaint:
    """Record a callback (回访) on a resolved ticket.

    Not reached: counted as a failed attempt. Reached: satisfaction 1–5 and solved are
    required; solved closes the ticket, not solved reopens it with fresh deadlines; a
    satisfaction of 1 or 2 opens a follow-up for the customer's account manager.
    """
    policy.require(acting_user, "callback")
    complaint = lock_ticket(complaint)
    check_action(complaint, "callback")
    if not policy.callback_allowed_for(complaint, acting_user):
        raise DomainError(
            "callback_by_resolver",
            _("The callback must be made by someone other than the person who resolved it."),
        )
    now = timezone.now()
    notes = (notes or "").strip()
    if not reached:
        CallbackAttempt.objects.create(
            complaint=complaint,
            cycle=complaint.cycle,
            at=now,
            by=person(acting_user),
            reached=False,
            notes=notes,
        )
        complaint.failed_callbacks += 1
        complaint.save(update_fields=["failed_callbacks", "updated_at"])
        record_event(
            complaint,
            EventKind.CALLBACK_FAILED,
            actor=person(acting_user),
            at=now,
            message=notes,
            data={"attempt": complaint.failed_callbacks},
        )
        return complaint
    errors = {}
    if satisfaction is None or isinstance(satisfaction, bool) or satisfaction not in range(1, 6):
        errors["satisfaction"] = [_("Give a satisfaction from 1 to 5.")]
    if solved is None:
        errors["solved"] = [_("Say whether the problem is solved.")]
    if errors:
        raise ValidationError(errors)
    CallbackAttempt.objects.create(
        complaint=complaint,
        cycle=complaint.cycle,
        at=now,
        by=person(acting_user),
        reached=True,
        satisfaction=satisfaction,
        solved=solved,
        notes=notes,
    )
    complaint.satisfaction = satisfaction
    complaint.solved = solved
    data = {"satisfaction": satisfaction, "solved": solved}
    if solved:
        previous = set_status(complaint, "close")
        complaint.closed_at = now
        complaint.closed_by = person(acting_user)
        complaint.closed_without_callback = False
        complaint.close_reason = ""
        complaint.save(
            update_fields=[
                "satisfaction",
                "solved",
                "status",
                "closed_at",
                "closed_by",
                "closed_without_callback",
                "close_reason",
                "updated_at",
            ]
        )
        record_event(
            complaint,
            EventKind.CALLBACK,
            actor=person(acting_user),
            at=now,
            from_status=previous,
            to_status=complaint.status,
            message=notes,
            data=data,
        )
    else:
        complaint.save(update_fields=["satisfaction", "solved", "updated_at"])
        record_event(
            complaint,
            EventKind.CALLBACK,
            actor=person(acting_user),
            at=now,
            message=notes,
            data=data,
        )
        _reopen(
            complaint,
            actor=person(acting_user),
            now=now,
            reason=_("The customer says the problem is not solved."),
        )
    if satisfaction is not None and satisfaction <= 2:
        _raise_low_satisfaction(complaint, satisfaction=satisfaction, now=now)
    return complaint


def _raise_low_satisfaction(complaint: Complaint, *, satisfaction: int, now: dt.datetime) -> None:
    raise_followup(
        complaint.customer,
        kind=FollowUpKind.SATISFACTION,
        source=ticket_source(complaint),
        summary=_("Satisfaction %(score)d/5 on complaint %(ticket)s: call or visit the customer.")
        % {"score": satisfaction, "ticket": complaint.ticket_no},
        due_at=add_working_days(timezone.localtime(now), 1),
        link=ticket_link(complaint),
    )


@transaction.atomic
def close_without_callback(complaint: Complaint, *, acting_user: Actor, reason: str) -> Complaint:
    """A supervisor closes a resolved ticket the customer could not be reached about.

    Needs a reason and, by default, COMPLAINT_CLOSE_WITHOUT_CALLBACK_AFTER_ATTEMPTS failed
    callback attempts in this cycle. Marked `closed_without_callback` and reported.
    """
    policy.require(acting_user, "close")
    complaint = lock_ticket(complaint)
    check_action(complaint, "close")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "required", _("Give the reason for closing without a callback."), field="reason"
        )
    if not policy.close_allowed_after_attempts(complaint):
        raise DomainError(
            "callback_not_attempted",
            _(
                "Try the callback first: %(needed)d unanswered attempts are needed before "
                "closing without one (%(done)d so far)."
            )
            % {
                "needed": settings.COMPLAINT_CLOSE_WITHOUT_CALLBACK_AFTER_ATTEMPTS,
                "done": complaint.failed_callbacks,
            },
        )
    now = timezone.now()
    previous = set_status(complaint, "close")
    complaint.closed_at = now
    complaint.closed_by = person(acting_user)
    complaint.closed_without_callback = True
    complaint.close_reason = reason
    complaint.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "closed_without_callback",
            "close_reason",
            "updated_at",
        ]
    )
    record_event(
        complaint,
        EventKind.CLOSED_WITHOUT_CALLBACK,
        actor=person(acting_user),
        at=now,
        from_status=previous,
        to_status=complaint.status,
        message=reason,
        data={"failed_callbacks": complaint.failed_callbacks},
    )
    return complaint


@transaction.atomic
def reopen_complaint(complaint: Complaint, *, acting_user: Actor, reason: str = "") -> Complaint:
    """Reopen a resolved or closed ticket: a new handling cycle with fresh deadlines."""
    policy.require(acting_user, "reopen")
    complaint = lock_ticket(complaint)
    check_action(complaint, "reopen")
    _reopen(complaint, actor=person(acting_user), now=timezone.now(), reason=(reason or "").strip())
    return complaint


def _reopen(complaint: Complaint, *, actor, now: dt.datetime, reason: str) -> None:
    """Start a new cycle: deadlines recomputed from `now` with the current rule, the deadline
    job's progress and the callback count reset. `breached` and `escalation_level` are kept:
    a reopened ticket does not lose the record of having missed a deadline."""
    previous = set_status(complaint, "reopen")
    snapshot = {
        "resolution": resolution_snapshot(complaint),
        "closed_at": complaint.closed_at.isoformat() if complaint.closed_at else None,
        "closed_without_callback": complaint.closed_without_callback,
        "close_reason": complaint.close_reason,
        "previous_ack_due": complaint.ack_due.isoformat(),
        "previous_resolve_due": complaint.resolve_due.isoformat(),
    }
    deadlines = deadlines_for(category=complaint.category, severity=complaint.severity, start=now)
    for name, value in vars(deadlines).items():
        setattr(complaint, name, value)
    complaint.cycle += 1
    complaint.reopen_count += 1
    complaint.cycle_started_at = now
    reset = (
        "acknowledged_at",
        "started_at",
        "ack_warned_at",
        "ack_breached_at",
        "resolve_warned_at",
        "resolve_breached_at",
        "next_escalation_at",
        "resolved_at",
        "resolved_by",
        "closed_at",
        "closed_by",
    )
    for name in reset:
        setattr(complaint, name, None)
    complaint.failed_callbacks = 0
    complaint.closed_without_callback = False
    complaint.close_reason = ""
    complaint.save(
        update_fields=[
            *vars(deadlines),
            *reset,
            "status",
            "cycle",
            "reopen_count",
            "cycle_started_at",
            "failed_callbacks",
            "closed_without_callback",
            "close_reason",
            "updated_at",
        ]
    )
    record_event(
        complaint,
        EventKind.REOPENED,
        actor=actor,
        at=now,
        from_status=previous,
        to_status=complaint.status,
        message=reason,
        data={
            **snapshot,
            "ack_due": complaint.ack_due.isoformat(),
            "resolve_due": complaint.resolve_due.isoformat(),
        },
    )
    if complaint.assignee is not None:
        notify_user(
            complaint.assignee,
            key=f"complaint:{complaint.pk}:reopened:{complaint.cycle}",
            title=_("Complaint %(ticket)s reopened") % {"ticket": ticket_label(complaint)},
            body=reason,
            link=ticket_link(complaint),
        )
