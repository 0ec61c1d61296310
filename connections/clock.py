"""The connection clock: utility-side working days on the official calendar.

Counting, in local (Asia/Shanghai) dates and with `common.workcalendar`:

- a step's run from day S to day E takes `working_days_between(S, E)` working days (the
  working days after S up to and including E: a step started and finished on the same day takes
  none, one finished the next working day takes one);
- a wait for the customer from day A to day B stops the clock for `working_days_between(A, B)`
  of them (its own days are not the utility's);
- a step's utility working days are the days of its earlier runs (a step sent back to runs
  again) plus those of its current run less its closed waits; while a wait is open, the run is
  counted up to the day the wait began;
- a step is within its limit while its days are at most the limit: it is *due* on the working
  day on which the limit is reached and *missed* from the next working day on, unfinished; the
  same holds for the regulator's outer limit and for the whole project against the company's
  commitment (the sum over its steps).

The due dates are stored (recomputed whenever a run starts or a wait ends), so lists and the
deadline job read them from the database; the days are computed from the stored fields
without a query.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from common.workcalendar import YearCalendar, add_working_days, is_provisional, year_calendar


@dataclass(frozen=True)
class StepLimits:
    limit: int | None
    regulator: int | None


def limits_for(kind: str, scheme: str, step: str) -> StepLimits:
    """The company's limit and the regulator's maximum of `step` (None: no limit)."""
    config = settings.CONNECTION_TIME_LIMITS
    base = config["steps"].get(scheme, {}).get(step)
    override = config.get("by_kind", {}).get(kind, {}).get(scheme, {}).get(step)
    chosen = override or base
    if not chosen:
        return StepLimits(None, None)
    return StepLimits(chosen.get("limit"), chosen.get("regulator"))


def commitment_for(scheme: str) -> int:
    """The company's public commitment on the whole utility-side time of a project."""
    return int(settings.CONNECTION_TIME_LIMITS["commitment"][scheme])


def warning_days() -> int:
    return int(getattr(settings, "CONNECTION_WARNING_WORKING_DAYS", 2))


def day_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def add_days(day: dt.date, days: int) -> dt.date:
    """The day `days` working days after `day` (`day` itself for none)."""
    start = dt.datetime.combine(day, dt.time(12, 0))
    return add_working_days(start, max(0, days)).date()


def breach_day(due: dt.date) -> dt.date:
    """The first day on which a limit due on `due` counts as missed: the next working day."""
    return add_days(due, 1)


# year -> (the YearCalendar it was built from, the ordinals of its working days). Rebuilt when
# the official calendar reloads (a new YearCalendar object), so it never outlives a change.
_WORKING_ORDINALS: dict[int, tuple[YearCalendar, list[int]]] = {}


def _working_ordinals(year: int) -> list[int]:
    calendar = year_calendar(year)
    cached = _WORKING_ORDINALS.get(year)
    if cached is not None and cached[0] is calendar:
        return cached[1]
    first = dt.date(year, 1, 1)
    days = (first + dt.timedelta(days=n) for n in range(366))
    ordinals = [d.toordinal() for d in days if d.year == year and calendar.is_working(d)]
    _WORKING_ORDINALS[year] = (calendar, ordinals)
    return ordinals


def days_between(start: dt.date, end: dt.date) -> int:
    """`common.workcalendar.working_days_between` (working days in (start, end]), by bisection
    over each year's working days instead of a walk day by day: a list of projects a year old
    asks it hundreds of times."""
    if end <= start:
        return 0
    total = 0
    for year in range(start.year, end.year + 1):
        ordinals = _working_ordinals(year)
        total += bisect_right(ordinals, end.toordinal()) - bisect_right(ordinals, start.toordinal())
    return total


def run_days(step, *, end: dt.date, waiting_since: dt.datetime | None = None) -> int:
    """Working days of the step's current run up to `end` (or up to the open wait's start)."""
    if step.run_started_at is None:
        return 0
    if waiting_since is not None:
        end = min(end, day_of(waiting_since))
    return max(0, days_between(day_of(step.run_started_at), end) - step.waited_days)


def step_days(project, step, *, today: dt.date | None = None) -> int:
    """The step's utility working days so far (final once it is done)."""
    if step.working_days is not None and step.status in ("done", "cancelled"):
        return step.working_days
    if step.run_started_at is None:
        return step.days_before
    end = day_of(step.finished_at) if step.finished_at else today or timezone.localdate()
    waiting = project.waiting_since if project.current_step == step.step else None
    return step.days_before + run_days(step, end=end, waiting_since=waiting)


def current_step_of(project, steps):
    return next((s for s in steps if s.step == project.current_step), None)


def project_days(project, steps=None, *, today: dt.date | None = None) -> int:
    """The project's utility working days so far (customer waits excluded)."""
    if project.utility_working_days_final is not None:
        return project.utility_working_days_final
    steps = list(project.steps.all()) if steps is None else steps
    current = current_step_of(project, steps)
    if current is None or current.run_started_at is None or current.status == "done":
        return project.closed_working_days
    end = today or timezone.localdate()
    return project.closed_working_days + run_days(
        current, end=end, waiting_since=project.waiting_since
    )


def step_due(step, *, limit: int | None) -> dt.date | None:
    """The day a running step reaches `limit` (None without a limit or a run)."""
    if limit is None or step.run_started_at is None:
        return None
    remaining = max(0, limit - step.days_before)
    return add_days(day_of(step.run_started_at), remaining + step.waited_days)


def project_due(project, step) -> dt.date | None:
    """The day the whole project reaches its commitment, while `step` runs."""
    if step is None or step.run_started_at is None:
        return None
    remaining = max(0, project.limit_working_days - project.closed_working_days)
    return add_days(day_of(step.run_started_at), remaining + step.waited_days)


def is_missed(used: int, limit: int | None) -> bool:
    return limit is not None and used > limit


def days_left(project, steps=None, *, today: dt.date | None = None) -> int:
    """Working days of the commitment left (negative once missed)."""
    return project.limit_working_days - project_days(project, steps, today=today)


def due_is_provisional(start: dt.datetime | None, due: dt.date | None) -> bool:
    """Whether a due date rests on a year whose official calendar is not entered in full."""
    if start is None or due is None:
        return False
    return is_provisional(day_of(start), due)
