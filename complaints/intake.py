"""Receiving complaints: ticket numbers, repeat detection and registration."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager.models import NoticeCategory
from accounts_manager.services import notify_user, supervisor_of
from common.actors import Actor, person
from common.errors import DomainError
from common.moments import check_happened
from common.roles import Role, role_of
from complaints import policy
from complaints.deadlines import deadlines_for
from complaints.models import (
    SEVERITY_RAISED,
    Category,
    Channel,
    Complaint,
    EventKind,
    Severity,
    Status,
    TicketCounter,
)
from complaints.tickets import (
    check_assignee,
    check_choice,
    record_event,
    ticket_label,
    ticket_link,
)
from customers.portfolios import current_assignment

logger = logging.getLogger(__name__)


# --- numbering -------------------------------------------------------------------------------


def next_ticket_no(day: dt.date) -> str:
    """TS + YYYYMMDD + a daily sequence of at least four digits, e.g. TS202610080007.

    The day's counter row is created if missing and locked until the caller's transaction
    ends, so concurrent registrations take consecutive numbers and never the same one.
    """
    TicketCounter.objects.bulk_create([TicketCounter(day=day, last=0)], ignore_conflicts=True)
    counter = TicketCounter.objects.select_for_update().get(day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"TS{day:%Y%m%d}{counter.last:04d}"


# --- registration ----------------------------------------------------------------------------


def find_repeat_of(*, customer, category: str, received_at: dt.datetime) -> Complaint | None:
    """The latest earlier ticket of the customer in the category within the repeat window.

    The window counts calendar days: a ticket received on day D repeats one received on or
    after day D − COMPLAINT_REPEAT_WINDOW_DAYS (local dates).
    """
    local_day = timezone.localtime(received_at).date()
    window_start = local_day - dt.timedelta(days=settings.COMPLAINT_REPEAT_WINDOW_DAYS)
    return (
        Complaint.objects.filter(
            customer=customer,
            category=category,
            received_at__date__gte=window_start,
            received_at__lt=received_at,
        )
        .order_by("-received_at", "-pk")
        .first()
    )


def _existing_for(existing: Complaint, acting_user) -> Complaint:
    """The ticket already registered under an external number, if the caller may see it.

    Otherwise the number is simply "already used": the answer must not reveal that it belongs
    to a ticket in another portfolio or region.
    """
    if (
        acting_user is not None
        and not Complaint.objects.visible_to(acting_user).filter(pk=existing.pk).exists()
    ):
        raise DomainError(
            "external_ref_taken",
            _("This external ticket number is already used."),
            field="external_ref",
        )
    return existing


def check_new_assignee(assignee, acting_user) -> None:
    """An account manager registering a ticket may name only themselves as its assignee;
    dispatching to someone else is a supervisor's job (API.md: the assignee is the customer's
    account manager unless given)."""
    if acting_user is None or role_of(acting_user) != Role.ACCOUNT_MANAGER:
        return
    if assignee.pk != acting_user.pk:
        raise DomainError(
            "assign_not_allowed",
            _("An account manager can only assign a new complaint to themselves."),
            field="assignee",
        )


@transaction.atomic
def register_complaint(
    *,
    customer,
    channel: str,
    category: str,
    description: str,
    severity: str = Severity.NORMAL,
    received_at: dt.datetime | None = None,
    external_ref: str = "",
    assignee=None,
    acting_user: Actor,
) -> tuple[Complaint, bool]:
    """Register a complaint; return (ticket, created).

    The same `external_ref` again returns the existing ticket (created=False). The assignee is
    the customer's account manager unless given. A repeat (same customer and category within
    the window) is linked, raised one severity step and reported to the supervisor.
    """
    policy.require(acting_user, "create")
    now = timezone.now()
    received_at = received_at or now
    external_ref = (external_ref or "").strip()
    description = (description or "").strip()
    if external_ref:
        existing = Complaint.objects.filter(external_ref=external_ref).first()
        if existing is not None:
            return _existing_for(existing, acting_user), False
    check_choice(channel, Channel, "channel")
    check_choice(category, Category, "category")
    check_choice(severity, Severity, "severity")
    if not description:
        raise DomainError("required", _("Describe the complaint."), field="description")
    received_at = check_happened(received_at, field="received_at", now=now)
    if assignee is None:
        current = current_assignment(customer)
        assignee = current.manager if current else None
    else:
        check_assignee(assignee)
        check_new_assignee(assignee, acting_user)
    repeat_of = find_repeat_of(customer=customer, category=category, received_at=received_at)
    if repeat_of is not None:
        severity = SEVERITY_RAISED[Severity(severity)]
    deadlines = deadlines_for(category=category, severity=severity, start=received_at)
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                ticket_no=next_ticket_no(timezone.localtime(received_at).date()),
                external_ref=external_ref,
                customer=customer,
                channel=channel,
                category=category,
                severity=severity,
                description=description,
                assignee=assignee,
                received_at=received_at,
                registered_by=person(acting_user),
                cycle_started_at=received_at,
                is_repeat=repeat_of is not None,
                repeat_of=repeat_of,
                **vars(deadlines),
            )
    except IntegrityError:
        # A concurrent push of the same external ticket won the race.
        existing = (
            Complaint.objects.filter(external_ref=external_ref).first() if external_ref else None
        )
        if existing is None:
            raise
        return _existing_for(existing, acting_user), False
    record_event(
        complaint,
        EventKind.CREATED,
        actor=acting_user,
        at=now,
        to_status=Status.NEW,
        data={
            "channel": channel,
            "received_at": received_at.isoformat(),
            "ack_due": complaint.ack_due.isoformat(),
            "resolve_due": complaint.resolve_due.isoformat(),
        },
    )
    supervisor = supervisor_of(customer)
    if repeat_of is not None:
        _report_repeat(complaint, repeat_of=repeat_of, supervisor=supervisor)
    if assignee is None and supervisor is not None:
        notify_user(
            supervisor,
            key=f"complaint:{complaint.pk}:unassigned",
            title=_("Complaint %(ticket)s has nobody to handle it")
            % {"ticket": ticket_label(complaint)},
            body=_("The customer has no account manager. Assign the complaint."),
            link=ticket_link(complaint),
        )
    if assignee is not None:
        notify_user(
            assignee,
            key=f"complaint:{complaint.pk}:assigned:{assignee.pk}:0",
            title=_("New complaint %(ticket)s") % {"ticket": ticket_label(complaint)},
            body=_("Contact the customer by %(due)s.")
            % {"due": f"{timezone.localtime(complaint.ack_due):%Y-%m-%d %H:%M}"},
            link=ticket_link(complaint),
        )
    return complaint, True


def _report_repeat(complaint: Complaint, *, repeat_of: Complaint, supervisor) -> None:
    message = _("Repeat of %(ticket)s received on %(date)s; severity raised to %(severity)s.") % {
        "ticket": repeat_of.ticket_no,
        "date": f"{timezone.localtime(repeat_of.received_at):%Y-%m-%d}",
        "severity": complaint.get_severity_display(),
    }
    record_event(
        complaint,
        EventKind.REPEAT,
        message=message,
        data={"repeat_of": repeat_of.pk, "severity": complaint.severity},
    )
    if supervisor is None:
        logger.warning("Repeat complaint %s: no supervisor to tell.", complaint.ticket_no)
        return
    notify_user(
        supervisor,
        key=f"complaint:{complaint.pk}:repeat",
        title=_("Repeat complaint %(ticket)s") % {"ticket": ticket_label(complaint)},
        body=message,
        link=ticket_link(complaint),
        category=NoticeCategory.ESCALATION,
    )
