"""Entering the official calendar: one year's holidays and make-up working days, its source.

Administrators enter a year each autumn, from the State Council's notice, in the Django admin,
by importing a CSV/Excel file (`common.calendar_import`) or through the API; all three end in
`replace_calendar_year` (or, for the admin's own forms, `calendar_year_saved`).

Other apps react to a year being entered through `on_year_entered` (complaints recompute their
provisional deadlines): `common` comes first in the dependency order and cannot call them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import workcalendar
from common.actors import Actor, person
from common.calendar_data import statutory_holidays
from common.models import CalendarDay, CalendarYear, DayKind
from common.policy import Policy
from common.roles import Role

MIN_YEAR = 1949
MAX_YEAR = 2200

_listeners: list[Callable[[int], None]] = []


def on_year_entered(listener: Callable[[int], None]) -> Callable[[int], None]:
    """Call `listener(year)` whenever a year's calendar is saved complete (inside the
    transaction: record work with `common.outbox.enqueue`). Usable as a decorator."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def _announce(year: int) -> None:
    for listener in list(_listeners):
        listener(year)


# --- validation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayProblem:
    index: int  # position in the list given, from 0
    field: str
    message: str


def check_year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            {
                "year": _("Enter a year between %(min)d and %(max)d.")
                % {"min": MIN_YEAR, "max": MAX_YEAR}
            }
        )
    return year


def check_days(year: int, days: list[dict]) -> list[DayProblem]:
    """The problems of a year's list of `{"date", "kind", "name"}`, none when it can be saved."""
    problems: list[DayProblem] = []
    statutory = statutory_holidays(year)
    seen: set[dt.date] = set()
    for index, item in enumerate(days):
        day, kind = item.get("date"), item.get("kind")
        if not isinstance(day, dt.date):
            problems.append(DayProblem(index, "date", _("Enter a valid date.")))
            continue
        if kind not in DayKind.values:
            problems.append(DayProblem(index, "kind", _("The kind is “holiday” or “workday”.")))
            continue
        values = {"date": day.isoformat(), "year": year}
        if day.year != year:
            message = _("%(date)s is not in %(year)s.") % values
        elif day in seen:
            message = _("%(date)s is listed more than once.") % values
        elif kind == DayKind.WORKDAY and day.weekday() < 5:
            message = (
                _(
                    "%(date)s is not a Saturday or Sunday; only a weekend day can be a make-up "
                    "working day."
                )
                % values
            )
        elif kind == DayKind.WORKDAY and day in statutory:
            message = _("%(date)s is a statutory holiday; it cannot be a working day.") % values
        else:
            seen.add(day)
            continue
        seen.add(day)
        problems.append(DayProblem(index, "date", message))
    return problems


# Who may do what with the official calendar: administrators enter it (a decision: no job or
# command enters a year on its own).
POLICY = Policy(
    {"enter_year": {Role.ADMIN}},
    decisions={"enter_year"},
    messages={"enter_year": gettext_lazy("Only administrators maintain the official calendar.")},
)


# --- writes ----------------------------------------------------------------------------------


def replace_calendar_year(
    *,
    year: int,
    source: str,
    days: list[dict],
    acting_user: Actor,
    complete: bool = True,
) -> CalendarYear:
    """Replace the year's days (holidays and make-up working days) and its source.

    `days` is a list of `{"date": date, "kind": "holiday"|"workday", "name": str}`. Refused
    with field messages (ValidationError) when a day is outside the year, listed twice, a
    make-up working day not on a weekend, or a statutory holiday made a working day.
    """
    POLICY.check(acting_user, "enter_year")
    check_year(year)
    source = (source or "").strip()
    if complete and not source:
        raise ValidationError({"source": _("Name the State Council notice of this year.")})
    problems = check_days(year, days)
    if problems:
        raise ValidationError(
            {
                "days": [
                    _("Day %(n)d: %(message)s") % {"n": p.index + 1, "message": p.message}
                    for p in problems
                ]
            }
        )
    try:
        with transaction.atomic():
            row, _created = CalendarYear.objects.select_for_update().get_or_create(year=year)
            CalendarDay.objects.filter(calendar_year=row).delete()
            CalendarDay.objects.bulk_create(
                [
                    CalendarDay(
                        calendar_year=row,
                        date=item["date"],
                        kind=item["kind"],
                        name=(item.get("name") or "").strip()[:100],
                    )
                    for item in days
                ]
            )
            row.source = source[:500]
            row.complete = complete
            row.entered_by = person(acting_user)
            row.entered_at = timezone.now()
            row.save(update_fields=["source", "complete", "entered_by", "entered_at", "updated_at"])
            workcalendar.clear_cache()
            transaction.on_commit(workcalendar.clear_cache)
            if complete:
                _announce(year)
    finally:
        # A rolled-back change must not stay in this process's cache either.
        workcalendar.clear_cache()
    return row


def calendar_year_saved(row: CalendarYear, *, acting_user: Actor) -> None:
    """After the admin saved a year and its days: record who entered it, tell the others."""
    POLICY.check(acting_user, "enter_year")
    row.entered_by = person(acting_user)
    row.entered_at = timezone.now()
    row.save(update_fields=["entered_by", "entered_at", "updated_at"])
    workcalendar.clear_cache()
    transaction.on_commit(workcalendar.clear_cache)
    if row.complete:
        _announce(row.year)


# --- keeping the caches true -----------------------------------------------------------------


def _year_changed(sender, instance, **kwargs) -> None:
    workcalendar.clear_cache()
    transaction.on_commit(workcalendar.clear_cache)


def _day_changed(sender, instance, **kwargs) -> None:
    # Moves the year's stamp so that the other processes notice the change too.
    CalendarYear.objects.filter(pk=instance.calendar_year_id).update(updated_at=timezone.now())
    _year_changed(sender, instance)


def connect_signals() -> None:
    post_save.connect(_year_changed, sender=CalendarYear, dispatch_uid="calendar_year_saved")
    post_delete.connect(_year_changed, sender=CalendarYear, dispatch_uid="calendar_year_deleted")
    post_save.connect(_day_changed, sender=CalendarDay, dispatch_uid="calendar_day_saved")
    post_delete.connect(_day_changed, sender=CalendarDay, dispatch_uid="calendar_day_deleted")
