"""The official Chinese working-day calendar: public holidays and make-up working days (调休).

Backed by the `chinesecalendar` package, which knows the State Council's schedule for the years
it was released for. For a year it does not know yet, the calendar falls back to Monday–Friday
and logs a warning once per year, so deadlines stay computable and the gap is visible in the
logs until the package is upgraded.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache

import chinese_calendar

logger = logging.getLogger(__name__)


@cache
def _warn_unknown_year(year: int) -> None:
    logger.warning(
        "chinesecalendar has no official calendar for %s; treating Monday–Friday as working "
        "days. Upgrade the chinesecalendar package.",
        year,
    )


def is_known_year(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is an official working day (make-up Saturdays included)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return day.weekday() < 5


def is_public_holiday(day: dt.date) -> bool:
    """Whether `day` is an official public holiday (not a plain weekend)."""
    try:
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return False
    return bool(holiday and name)


def holiday_name(day: dt.date) -> str | None:
    """The holiday's name (e.g. `National Day`) or None."""
    try:
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if holiday and name else None


def is_rest_day(day: dt.date) -> bool:
    """A weekend that is not a make-up working day, or a public holiday."""
    return not is_working_day(day)


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The moment `days` working days after `start`, at the same local time of day.

    Only working days are counted: a complaint received on a Saturday at 10:00 with one working
    day is due on Monday at 10:00 (or on the make-up Saturday, if the next working day is one).
    """
    if days < 0:
        raise ValueError("days must be zero or positive")
    day = start.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return start.replace(year=day.year, month=day.month, day=day.day)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]: how many working days after `start` `end` is."""
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
