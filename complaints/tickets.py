"""Small pieces every complaint service and the deadline job use: the event trail, links and
labels, follow-up sources, and checks of input values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager.services import close_followups_for_source
from common.actors import person
from common.errors import DomainError
from common.roles import Role, role_of
from complaints.models import Complaint, ComplaintEvent


def record_event(
    complaint: Complaint,
    kind: str,
    *,
    actor=None,
    at: dt.datetime | None = None,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    data: dict[str, Any] | None = None,
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=person(actor),
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        message=message,
        data=data or {},
    )


def check_choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a valid choice.") % {"value": value},
            field=field,
        )
    return value


def check_assignee(user) -> None:
    """An assignee is an active account manager or supervisor."""
    if user is None:
        return
    if not user.is_active or role_of(user) not in (Role.ACCOUNT_MANAGER, Role.SUPERVISOR):
        raise DomainError(
            "invalid_assignee",
            _("%(user)s is neither an active account manager nor a supervisor.") % {"user": user},
            field="assignee",
        )


def ticket_link(complaint: Complaint) -> str:
    return complaint.get_absolute_url()


def ticket_label(complaint: Complaint) -> str:
    return f"{complaint.ticket_no} {complaint.customer.name}"


def ticket_source(complaint: Complaint, suffix: str = "") -> str:
    """The follow-up `source` of a ticket: `complaint:42` or `complaint:42:<suffix>`."""
    return f"complaint:{complaint.pk}" + (f":{suffix}" if suffix else "")


def close_ticket_followups(complaint: Complaint, *suffixes: str) -> None:
    for suffix in suffixes:
        close_followups_for_source(source=ticket_source(complaint, suffix))


def escalation_suffix(level: int) -> str:
    return f"escalation:{level}"
