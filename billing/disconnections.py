"""The disconnection-for-arrears procedure (欠费停电): request, approve, execute, cancel, reconnect.

The rules (电力供应与使用条例 art. 39, 供电营业规则):
- only for a bill more than BILLING_DISCONNECTION_MIN_DAYS_PAST_DUE days past due, after the
  customer was urged to pay;
- only after a written disconnection notice (停电通知书) was delivered at least
  BILLING_DISCONNECTION_NOTICE_DAYS days before the cut;
- a second reminder (call, SMS or visit) at least BILLING_DISCONNECTION_SECOND_REMINDER_MINUTES
  before the cut, on the day of the cut;
- always approved by a supervisor; for an important customer the report to the power
  authority is recorded;
- never while a billing complaint of the customer is open, nor on a weekend, public holiday or
  blocked date (the official calendar, make-up working days included), nor on a day of a year
  whose official calendar is not entered (its status is unknown);
- paying the arrears cancels a requested or approved one by itself; once an executed one's
  arrears are paid, reconnection is due within BILLING_RECONNECTION_DEADLINE_HOURS.

Allowed status changes are the one map `DISCONNECTION_TRANSITIONS` (action -> from, to), checked
by its `DISCONNECTION_MACHINE` in `_transition`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager.models import NoticeCategory
from accounts_manager.services import (
    close_followups_for_source,
    notify_user,
    raise_followup,
    supervisor_of,
)
from billing import disconnection_notices, policy
from billing.changes import money_changed
from billing.models import (
    DISCONNECTION_MACHINE,
    LAST_REMINDER_ACTIONS,
    URGING_ACTIONS,
    ActionKind,
    Bill,
    BlockedDate,
    CollectionAction,
    Disconnection,
    DisconnectionEvent,
    DisconnectionStatus,
)
from billing.querysets import bill_outstanding_expression
from common import workcalendar
from common.actors import SYSTEM, Actor, person
from common.errors import DomainError
from common.moments import date_problem, happened_problem
from common.money import ZERO
from complaints import selectors as complaint_selectors
from customers.locks import lock_customers
from customers.models import Customer

Status = DisconnectionStatus


def _source(disconnection: Disconnection) -> str:
    return f"disconnection:{disconnection.pk}"


def has_open_billing_complaint(customer_id: int) -> bool:
    return complaint_selectors.has_open_billing_complaint(customer_id)


# --- the rules, each returning the refusals that apply ---------------------------------------


def day_problem(day: dt.date, *, field: str = "scheduled_for") -> DomainError | None:
    """Why no disconnection may be carried out on `day`, or None."""
    blocked = BlockedDate.objects.filter(date=day).first()
    if blocked is not None:
        return DomainError(
            "blocked_date",
            _("%(date)s is blocked for disconnections: %(reason)s")
            % {"date": day.isoformat(), "reason": blocked.reason},
            field=field,
        )
    if workcalendar.is_public_holiday(day):
        return DomainError(
            "public_holiday",
            _("%(date)s is a public holiday; no disconnection on a public holiday.")
            % {"date": day.isoformat()},
            field=field,
        )
    if not workcalendar.is_working_day(day):
        return DomainError(
            "rest_day",
            _("%(date)s is a weekend day; no disconnection on a rest day.")
            % {"date": day.isoformat()},
            field=field,
        )
    if not workcalendar.is_known_year(day):
        # Never a guess: the notice may make this day part of a holiday.
        return DomainError(
            "calendar_missing",
            _(
                "The official calendar of %(year)s (public holidays and make-up working days) "
                "is not entered yet, so %(date)s cannot be checked; an administrator enters it "
                "first."
            )
            % {"year": day.year, "date": day.isoformat()},
            field=field,
        )
    return None


def overdue_basis(customer_id: int, as_of: dt.date) -> tuple[dt.date | None, Decimal]:
    """(oldest due date of a bill more than the minimum days past due, overdue amount)."""
    limit = as_of - dt.timedelta(days=settings.BILLING_DISCONNECTION_MIN_DAYS_PAST_DUE)
    overdue = Bill.objects.filter(customer_id=customer_id).overdue(as_of)
    oldest = (
        overdue.filter(due_date__lt=limit).order_by("due_date").values_list("due_date", flat=True)
    ).first()
    amount = overdue.aggregate(s=Sum(bill_outstanding_expression()))["s"] or ZERO
    return oldest, amount


def _overdue_problem(oldest: dt.date | None) -> DomainError | None:
    if oldest is None:
        return DomainError(
            "not_overdue",
            _("No bill of this customer is more than %(days)d days past due.")
            % {"days": settings.BILLING_DISCONNECTION_MIN_DAYS_PAST_DUE},
        )
    return None


def _complaint_problem(customer_id: int) -> DomainError | None:
    if has_open_billing_complaint(customer_id):
        return DomainError(
            "billing_complaint_open",
            _("The customer has an open billing complaint; resolve it first."),
        )
    return None


def _notice_problem(
    customer: Customer,
    notice: CollectionAction | None,
    scheduled_for: dt.date,
    oldest: dt.date | None,
) -> DomainError | None:
    days = settings.BILLING_DISCONNECTION_NOTICE_DAYS
    if notice is None:
        return DomainError(
            "no_notice",
            _("No disconnection notice delivered at least %(days)d days before %(date)s.")
            % {"days": days, "date": scheduled_for.isoformat()},
            field="notice",
        )
    if notice.customer_id != customer.pk or notice.kind != ActionKind.DISCONNECTION_NOTICE:
        return DomainError(
            "not_a_notice", _("Choose a disconnection notice of this customer."), field="notice"
        )
    if notice.delivered_at is None:
        return DomainError(
            "notice_not_delivered",
            _("The disconnection notice has no recorded delivery."),
            field="notice",
        )
    delivered = timezone.localdate(notice.delivered_at)
    if delivered > scheduled_for - dt.timedelta(days=days):
        return DomainError(
            "notice_too_late",
            _("The notice was delivered on %(delivered)s, less than %(days)d days before %(date)s.")
            % {"delivered": delivered.isoformat(), "days": days, "date": scheduled_for.isoformat()},
            field="notice",
        )
    if oldest is not None and timezone.localdate(notice.at) <= oldest:
        return DomainError(
            "notice_before_arrears",
            _("The notice was issued before the arrears it must announce."),
            field="notice",
        )
    return None


def _urged_problem(customer: Customer, oldest: dt.date | None) -> DomainError | None:
    if oldest is None:
        return None
    urged = CollectionAction.objects.filter(
        customer=customer, kind__in=URGING_ACTIONS, at__date__gt=oldest
    ).exists()
    if not urged:
        return DomainError(
            "not_urged",
            _(
                "The customer was not urged to pay (call, visit, SMS or written reminder) after "
                "the bill fell due."
            ),
        )
    return None


def latest_usable_notice(customer: Customer, scheduled_for: dt.date) -> CollectionAction | None:
    """The newest delivered disconnection notice early enough for `scheduled_for`."""
    latest_day = scheduled_for - dt.timedelta(days=settings.BILLING_DISCONNECTION_NOTICE_DAYS)
    return (
        CollectionAction.objects.filter(
            customer=customer,
            kind=ActionKind.DISCONNECTION_NOTICE,
            delivered_at__isnull=False,
            delivered_at__date__lte=latest_day,
        )
        .order_by("-delivered_at", "-pk")
        .first()
    )


def request_problems(
    customer: Customer,
    *,
    scheduled_for: dt.date,
    notice: CollectionAction | None,
    today: dt.date | None = None,
) -> list[DomainError]:
    """Every reason a disconnection of `customer` on `scheduled_for` would be refused."""
    today = today or timezone.localdate()
    oldest, _amount = overdue_basis(customer.pk, today)
    problems = [
        _complaint_problem(customer.pk),
        _overdue_problem(oldest),
        _urged_problem(customer, oldest),
    ]
    if scheduled_for < today:
        problems.append(
            DomainError(
                "in_past", _("The disconnection date cannot be in the past."), field="scheduled_for"
            )
        )
    elif planned := date_problem(scheduled_for, "planned", today=today):
        problems.append(DomainError("implausible_date", planned, field="scheduled_for"))
    else:
        problems.append(day_problem(scheduled_for))
    problems.append(_notice_problem(customer, notice, scheduled_for, oldest))
    if Disconnection.objects.filter(customer=customer).active().exists():
        problems.append(
            DomainError(
                "already_active",
                _("The customer already has a disconnection in progress."),
            )
        )
    return [p for p in problems if p is not None]


def approve_problems(
    disconnection: Disconnection, *, authority_informed_at: dt.datetime | None
) -> list[DomainError]:
    problems = [_complaint_problem(disconnection.customer_id)]
    if disconnection.customer.is_important and authority_informed_at is None:
        problems.append(
            DomainError(
                "authority_not_informed",
                _("This is an important customer: record when the power authority was informed."),
                field="authority_informed_at",
            )
        )
    problem = authority_informed_at and happened_problem(authority_informed_at)
    if problem:
        problems.append(DomainError("in_future", problem, field="authority_informed_at"))
    if disconnection.scheduled_for < timezone.localdate():
        problems.append(
            DomainError(
                "date_passed",
                _("The scheduled date has passed; cancel this request and make a new one."),
            )
        )
    return [p for p in problems if p is not None]


def last_reminder(customer_id: int, now: dt.datetime) -> CollectionAction | None:
    """Today's reminder made at least the required minutes before `now`, if any."""
    minutes = settings.BILLING_DISCONNECTION_SECOND_REMINDER_MINUTES
    start_of_day = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    return (
        CollectionAction.objects.filter(
            customer_id=customer_id,
            kind__in=LAST_REMINDER_ACTIONS,
            at__gte=start_of_day,
            at__lte=now - dt.timedelta(minutes=minutes),
        )
        .order_by("-at", "-pk")
        .first()
    )


def execute_problems(disconnection: Disconnection, *, now: dt.datetime) -> list[DomainError]:
    today = timezone.localdate(now)
    oldest, _amount = overdue_basis(disconnection.customer_id, today)
    problems = [
        _complaint_problem(disconnection.customer_id),
        _overdue_problem(oldest),
        day_problem(today, field="executed_at"),
    ]
    if today < disconnection.scheduled_for:
        problems.append(
            DomainError(
                "too_early",
                _("The disconnection is scheduled for %(date)s; it cannot be carried out earlier.")
                % {"date": disconnection.scheduled_for.isoformat()},
            )
        )
    if last_reminder(disconnection.customer_id, now) is None:
        problems.append(
            DomainError(
                "no_second_reminder",
                _(
                    "Remind the customer once more (call, SMS or visit) at least %(minutes)d "
                    "minutes before the cut, today, and record it."
                )
                % {"minutes": settings.BILLING_DISCONNECTION_SECOND_REMINDER_MINUTES},
            )
        )
    return [p for p in problems if p is not None]


def _raise_first(problems: list[DomainError]) -> None:
    if problems:
        raise problems[0]


# --- the state machine -----------------------------------------------------------------------


def _locked(disconnection: Disconnection) -> Disconnection:
    return (
        Disconnection.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=disconnection.pk)
    )


def _check_transition(disconnection: Disconnection, action: str) -> str:
    """The status after `action`; TransitionNotAllowed (409) outside DISCONNECTION_TRANSITIONS."""
    return DISCONNECTION_MACHINE.check(disconnection, action)


def _transition(
    disconnection: Disconnection,
    action: str,
    *,
    acting_user: Actor,
    note: str = "",
    fields: tuple[str, ...] = (),
) -> Disconnection:
    """The one place a disconnection changes status; refused (409) outside the map."""
    to = _check_transition(disconnection, action)
    previous = disconnection.status
    money_changed([disconnection.customer_id])
    disconnection.status = to
    disconnection.save(update_fields=["status", *fields, "updated_at"])
    DisconnectionEvent.objects.create(
        disconnection=disconnection,
        from_status=previous,
        to_status=to,
        by=person(acting_user),
        note=note[:500],
    )
    return disconnection


@transaction.atomic
def request_disconnection(
    customer: Customer,
    *,
    scheduled_for: dt.date,
    notice: CollectionAction | None = None,
    reason: str = "",
    acting_user: Actor,
) -> Disconnection:
    """Request a disconnection for arrears; refused (400) unless every rule holds.

    Without `notice`, the newest delivered notice early enough is used.
    """
    policy.check(acting_user, "request_disconnection")
    lock_customers([customer.pk])
    notice = notice or latest_usable_notice(customer, scheduled_for)
    _raise_first(request_problems(customer, scheduled_for=scheduled_for, notice=notice))
    oldest, amount = overdue_basis(customer.pk, timezone.localdate())
    # request_problems refused a missing notice and a customer not long enough past due.
    assert notice is not None and oldest is not None
    disconnection = Disconnection.objects.create(
        customer=customer,
        scheduled_for=scheduled_for,
        notice=notice,
        reason=reason,
        arrears_amount=amount,
        oldest_due_date=oldest,
        requested_by=person(acting_user),
    )
    DisconnectionEvent.objects.create(
        disconnection=disconnection,
        to_status=Status.REQUESTED,
        by=person(acting_user),
        note=reason[:500],
    )
    disconnection_notices.ask_for_approval(disconnection)
    return disconnection


@transaction.atomic
def approve_disconnection(
    disconnection: Disconnection,
    *,
    acting_user: Actor,
    authority_informed_at: dt.datetime | None = None,
    note: str = "",
) -> Disconnection:
    """A supervisor approves; an important customer's report to the authority is required."""
    policy.check(acting_user, "approve_disconnection")
    disconnection = _locked(disconnection)
    _check_transition(disconnection, "approve")
    _raise_first(approve_problems(disconnection, authority_informed_at=authority_informed_at))
    disconnection.approved_by = person(acting_user)
    disconnection.approved_at = timezone.now()
    disconnection.authority_informed_at = authority_informed_at
    return _transition(
        disconnection,
        "approve",
        acting_user=acting_user,
        note=note,
        fields=("approved_by", "approved_at", "authority_informed_at"),
    )


@transaction.atomic
def execute_disconnection(
    disconnection: Disconnection, *, acting_user: Actor, note: str = ""
) -> Disconnection:
    """Record that supply was cut, after re-checking the rules at the moment of the cut."""
    policy.check(acting_user, "execute_disconnection")
    disconnection = _locked(disconnection)
    _check_transition(disconnection, "execute")
    now = timezone.now()
    _raise_first(execute_problems(disconnection, now=now))
    disconnection.executed_at = now
    disconnection.executed_by = person(acting_user)
    disconnection.last_reminder = last_reminder(disconnection.customer_id, now)
    return _transition(
        disconnection,
        "execute",
        acting_user=acting_user,
        note=note,
        fields=("executed_at", "executed_by", "last_reminder"),
    )


@transaction.atomic
def cancel_disconnection(
    disconnection: Disconnection, *, acting_user: Actor, reason: str = ""
) -> Disconnection:
    policy.check(acting_user, "cancel_disconnection")
    disconnection = _locked(disconnection)
    disconnection.cancelled_at = timezone.now()
    disconnection.cancel_reason = reason[:300]
    return _transition(
        disconnection,
        "cancel",
        acting_user=acting_user,
        note=reason,
        fields=("cancelled_at", "cancel_reason"),
    )


@transaction.atomic
def reconnect_disconnection(
    disconnection: Disconnection, *, acting_user: Actor, note: str = ""
) -> Disconnection:
    """Record that supply was restored; closes the reconnection follow-up."""
    policy.check(acting_user, "reconnect_disconnection")

    disconnection = _locked(disconnection)
    now = timezone.now()
    disconnection.reconnected_at = now
    disconnection.reconnected_by = person(acting_user)
    if disconnection.reconnect_due and now > disconnection.reconnect_due:
        late = _("Reconnected after the deadline of %(due)s.") % {
            "due": timezone.localtime(disconnection.reconnect_due).strftime("%Y-%m-%d %H:%M")
        }
        note = f"{note} {late}".strip()
    _transition(
        disconnection,
        "reconnect",
        acting_user=acting_user,
        note=note,
        fields=("reconnected_at", "reconnected_by"),
    )
    close_followups_for_source(source=_source(disconnection), kinds=["reconnection"])
    return disconnection


def on_arrears_cleared(customer_id: int, *, at: dt.datetime) -> None:
    """The customer's arrears are paid: cancel pending disconnections, start reconnection.

    Runs inside the payment's transaction, with the customer locked.
    """

    active = list(
        Disconnection.objects.select_for_update(of=("self",))
        .filter(customer_id=customer_id)
        .active()
        .select_related("customer")
    )
    for disconnection in active:
        if disconnection.status in (Status.REQUESTED, Status.APPROVED):
            disconnection.cancelled_at = at
            disconnection.cancel_reason = _("Arrears paid")
            _transition(
                disconnection,
                "cancel",
                acting_user=SYSTEM,
                note=_("Arrears paid"),
                fields=("cancelled_at", "cancel_reason"),
            )
        elif disconnection.arrears_cleared_at is None:
            hours = settings.BILLING_RECONNECTION_DEADLINE_HOURS
            disconnection.arrears_cleared_at = at
            disconnection.reconnect_due = at + dt.timedelta(hours=hours)
            disconnection.save(update_fields=["arrears_cleared_at", "reconnect_due", "updated_at"])
            due_text = timezone.localtime(disconnection.reconnect_due).strftime("%Y-%m-%d %H:%M")
            DisconnectionEvent.objects.create(
                disconnection=disconnection,
                from_status=Status.EXECUTED,
                to_status=Status.EXECUTED,
                note=_("Arrears paid; reconnection due by %(due)s") % {"due": due_text},
            )
            raise_followup(
                disconnection.customer,
                kind="reconnection",
                source=_source(disconnection),
                due_at=disconnection.reconnect_due,
                summary=_("Reconnect supply: arrears paid, due by %(due)s") % {"due": due_text},
            )


# --- scheduled checks ------------------------------------------------------------------------


def cancel_settled_disconnections(*, now: dt.datetime | None = None) -> int:
    """Cancel requested or approved disconnections whose customer no longer has arrears.

    A safety net for balance changes made outside the payment services (e.g. data fixes).
    """
    now = now or timezone.now()
    overdue = Bill.objects.filter(customer_id=OuterRef("customer_id")).overdue(
        timezone.localdate(now)
    )
    customer_ids = list(
        Disconnection.objects.filter(status__in=[Status.REQUESTED, Status.APPROVED])
        .exclude(Exists(overdue))
        .values_list("customer_id", flat=True)
    )
    for customer_id in customer_ids:
        with transaction.atomic():
            lock_customers([customer_id])
            on_arrears_cleared(customer_id, at=now)
    return len(customer_ids)


def check_reconnections(*, now: dt.datetime | None = None) -> int:
    """Tell the supervisor, once, of each reconnection past its deadline."""

    now = now or timezone.now()
    told = 0
    for disconnection in Disconnection.objects.reconnection_overdue(now).select_related("customer"):
        supervisor = supervisor_of(disconnection.customer)
        if supervisor is None:
            continue
        _notice, created = notify_user(
            supervisor,
            key=f"reconnection-overdue:{disconnection.pk}",
            title=_("Reconnection overdue: %(customer)s") % {"customer": disconnection.customer},
            body=_("Supply was due to be restored by %(due)s after the arrears were paid.")
            % {"due": timezone.localtime(disconnection.reconnect_due).strftime("%Y-%m-%d %H:%M")},
            link=reverse("billing:disconnection_detail", args=[disconnection.pk]),
            category=NoticeCategory.ESCALATION,
        )
        told += int(created)
    return told
