"""The deadline job: warnings before, breaches at, and escalations after each deadline.

Run every few minutes (complaints.tasks.check_complaint_deadlines). Each step happens once per
ticket and handling cycle, however often the job runs and however many workers run it: a step
claims its ticket row with SELECT … FOR UPDATE SKIP LOCKED and re-checks the step's marker
column under the lock; notices and follow-ups carry unique keys besides.

- warning: before the contact or resolution deadline (the rule's lead time), the assignee gets
  a follow-up due at the deadline and an in-app notice;
- breach: when a deadline passes unmet, the ticket is marked `breached` and escalated;
- escalation: each breach raises `escalation_level` by one and tells the customer's supervisor
  (in-app notice and a follow-up in their queue); while a deadline stays missed, the level
  rises again every further working day (same time of day, official calendar).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager.models import FollowUpKind, NoticeCategory
from accounts_manager.services import notify_user, raise_followup, supervisor_of
from common.workcalendar import add_working_days
from complaints.models import WORKING_STATUSES, Complaint, EventKind
from complaints.querysets import deadline_passed_q, overdue_q
from complaints.tickets import (
    close_ticket_followups,
    escalation_suffix,
    record_event,
    ticket_label,
    ticket_link,
    ticket_source,
)

logger = logging.getLogger(__name__)

ACK, RESOLVE = "ack", "resolve"


def _fmt(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _step_filters(now: dt.datetime) -> dict[str, Q]:
    working = Q(status__in=WORKING_STATUSES)
    unacked = Q(acknowledged_at__isnull=True)
    return {
        "ack_warning": working
        & unacked
        & Q(ack_warned_at__isnull=True, ack_warn_at__lte=now)
        & ~deadline_passed_q("ack_due", now),
        "resolve_warning": working
        & Q(resolve_warned_at__isnull=True, resolve_warn_at__lte=now)
        & ~deadline_passed_q("resolve_due", now),
        "ack_breach": working
        & unacked
        & Q(ack_breached_at__isnull=True)
        & deadline_passed_q("ack_due", now),
        "resolve_breach": working
        & Q(resolve_breached_at__isnull=True)
        & deadline_passed_q("resolve_due", now),
        "escalation": overdue_q(now) & Q(next_escalation_at__lte=now),
    }


def check_deadlines(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every due step once; return how many of each were taken."""
    now = now or timezone.now()
    steps: dict[str, Callable[[Complaint, dt.datetime], None]] = {
        "ack_warning": lambda c, n: _warn(c, ACK, n),
        "resolve_warning": lambda c, n: _warn(c, RESOLVE, n),
        "ack_breach": lambda c, n: _breach(c, ACK, n),
        "resolve_breach": lambda c, n: _breach(c, RESOLVE, n),
        "escalation": _escalate_again,
    }
    filters = _step_filters(now)
    done: Counter[str] = Counter()
    for name, step in steps.items():
        ids = list(
            Complaint.objects.filter(filters[name]).order_by("pk").values_list("pk", flat=True)
        )
        for pk in ids:
            if _run_step(pk, filters[name], step, now):
                done[name] += 1
    if done:
        logger.info("complaint deadlines: %s", dict(done))
    return {name: done.get(name, 0) for name in steps}


def _run_step(pk: int, condition: Q, step, now: dt.datetime) -> bool:
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer", "assignee")
            .filter(condition, pk=pk)
            .first()
        )
        if complaint is None:
            # Taken by another worker, or no longer due.
            return False
        step(complaint, now)
        return True


def _warn(complaint: Complaint, which: str, now: dt.datetime) -> None:
    due = complaint.ack_due if which == ACK else complaint.resolve_due
    field = "ack_warned_at" if which == ACK else "resolve_warned_at"
    setattr(complaint, field, now)
    complaint.save(update_fields=[field, "updated_at"])
    if which == ACK:
        title = _("Contact the customer of complaint %(ticket)s by %(due)s")
    else:
        title = _("Resolve complaint %(ticket)s by %(due)s")
    title = title % {"ticket": ticket_label(complaint), "due": _fmt(due)}
    record_event(complaint, EventKind.WARNING, at=now, message=title, data={"deadline": which})
    _assignee_followup(complaint, which, due=due, summary=title)
    if complaint.assignee is not None:
        notify_user(
            complaint.assignee,
            key=f"complaint:{complaint.pk}:c{complaint.cycle}:{which}-warning",
            title=title,
            link=ticket_link(complaint),
        )


def _assignee_followup(complaint: Complaint, which: str, *, due: dt.datetime, summary: str):
    raise_followup(
        complaint.customer,
        kind=FollowUpKind.COMPLAINT,
        source=ticket_source(complaint, which),
        summary=summary,
        due_at=due,
        manager=complaint.assignee,
        link=ticket_link(complaint),
    )


def _breach(complaint: Complaint, which: str, now: dt.datetime) -> None:
    due = complaint.ack_due if which == ACK else complaint.resolve_due
    field = "ack_breached_at" if which == ACK else "resolve_breached_at"
    setattr(complaint, field, now)
    complaint.breached = True
    complaint.save(update_fields=[field, "breached", "updated_at"])
    if which == ACK:
        title = _("Complaint %(ticket)s: the customer was not contacted by %(due)s")
    else:
        title = _("Complaint %(ticket)s was not resolved by %(due)s")
    title = title % {"ticket": ticket_label(complaint), "due": _fmt(due)}
    record_event(complaint, EventKind.BREACHED, at=now, message=title, data={"deadline": which})
    _assignee_followup(complaint, which, due=due, summary=title)
    if complaint.assignee is not None:
        notify_user(
            complaint.assignee,
            key=f"complaint:{complaint.pk}:c{complaint.cycle}:{which}-breach",
            title=title,
            link=ticket_link(complaint),
            category=NoticeCategory.ESCALATION,
        )
    # The next daily escalation counts from the missed deadline (the later one, if both).
    _escalate(
        complaint,
        steps=1,
        now=now,
        reason=title,
        next_at=add_working_days(timezone.localtime(due), 1),
    )


def _escalate_again(complaint: Complaint, now: dt.datetime) -> None:
    """Another working day passed with a deadline still missed: one level per such day."""
    next_at = complaint.next_escalation_at
    if next_at is None:  # pragma: no cover - the step's filter requires it
        return
    steps = 0
    while next_at <= now:
        steps += 1
        next_at = add_working_days(timezone.localtime(next_at), 1)
    missed = complaint.missed_deadline(now)
    if missed is None:  # pragma: no cover - the step's filter requires a missed deadline
        return
    reason = _("Complaint %(ticket)s is still overdue (due %(due)s)") % {
        "ticket": ticket_label(complaint),
        "due": _fmt(missed),
    }
    _escalate(complaint, steps=steps, now=now, reason=reason, next_at=next_at)


def _escalate(
    complaint: Complaint, *, steps: int, now: dt.datetime, reason: str, next_at: dt.datetime
) -> None:
    previous = complaint.escalation_level
    complaint.escalation_level = previous + steps
    complaint.next_escalation_at = next_at
    complaint.save(update_fields=["escalation_level", "next_escalation_at", "updated_at"])
    level = complaint.escalation_level
    supervisor = supervisor_of(complaint.customer)
    record_event(
        complaint,
        EventKind.ESCALATED,
        at=now,
        message=reason,
        data={"level": level, "supervisor": supervisor.pk if supervisor else None},
    )
    if previous:
        close_ticket_followups(complaint, escalation_suffix(previous))
    if supervisor is None:
        logger.warning(
            "Complaint %s escalated to level %d: no supervisor to tell.", complaint.ticket_no, level
        )
        return
    title = _("Escalation level %(level)d: %(reason)s") % {"level": level, "reason": reason}
    notify_user(
        supervisor,
        key=f"complaint:{complaint.pk}:escalation:{level}",
        title=title,
        link=ticket_link(complaint),
        category=NoticeCategory.ESCALATION,
    )
    raise_followup(
        complaint.customer,
        kind=FollowUpKind.COMPLAINT,
        source=ticket_source(complaint, escalation_suffix(level)),
        summary=title,
        due_at=now,
        manager=supervisor,
        link=ticket_link(complaint),
    )
