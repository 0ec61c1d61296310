"""The official Chinese working-day calendar: public holidays and make-up working days (调休).

The calendar is data the product owns (`common.models.CalendarYear` and `CalendarDay`),
entered by administrators each autumn from the State Council's notice and seeded from the
`chinesecalendar` package for the years it knows. A day's status is:

- certain in a *complete* year (the notice is entered): weekends and the listed holidays are
  rest days, Monday–Friday and the listed make-up working days are working days;
- in any other year only the statutory fixed-date holidays (1 January, 1–2 May, 1–3 October;
  `common.calendar_data`) are certain; `day_status` answers `unknown` for every other day (even
  a weekend may become a make-up working day), and `is_working_day` gives the *provisional*
  answer (Monday–Friday minus the known holidays): callers that must not act on a guess check
  `is_known_year` or `day_status` (disconnections are refused, complaint deadlines are marked
  provisional).

Without a row for a year the package knows (e.g. after a test flushed the tables), the
package's data stands in, so a known year never turns into a guess.

The years are read once per process and cached; each process compares a version stamp (count
and last change of the years) at most every `WORKCALENDAR_RECHECK_SECONDS` and reloads when it
moved. A change made through the models clears this process's cache at once (signals in
`common.official_calendar`).
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings

from common.calendar_data import package_source, package_years, statutory_holidays
from common.models import CalendarDay, CalendarYear


class DayStatus(enum.StrEnum):
    WORKING = "working"
    REST = "rest"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class YearCalendar:
    year: int
    complete: bool
    source: str = ""
    holidays: dict[dt.date, str] = field(default_factory=dict)  # statutory days included
    workdays: dict[dt.date, str] = field(default_factory=dict)

    def is_working(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def status(self, day: dt.date) -> DayStatus:
        if self.complete:
            return DayStatus.WORKING if self.is_working(day) else DayStatus.REST
        if day in self.holidays:
            return DayStatus.REST
        return DayStatus.UNKNOWN


# --- the per-process cache -------------------------------------------------------------------

_clock = time.monotonic
_lock = threading.Lock()
_cache: dict = {"years": None, "version": None, "checked": 0.0}


def clear_cache() -> None:
    """Forget the loaded years: the next question reloads them (after any calendar change)."""
    with _lock:
        _cache.update(years=None, version=None, checked=0.0)


def _version() -> tuple:
    from django.db.models import Count, Max

    stamp = CalendarYear.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return (stamp["n"], stamp["last"])


def _load() -> dict[int, YearCalendar]:

    rows = {row.year: row for row in CalendarYear.objects.only("year", "source", "complete")}
    days: dict[int, list] = {}
    for day in CalendarDay.objects.values_list("date", "kind", "name"):
        days.setdefault(day[0].year, []).append(day)
    years: dict[int, YearCalendar] = {}
    for year, row in rows.items():
        years[year] = _build(year, row.complete, row.source, days.get(year, []))
    for year, package_days in package_years().items():
        if year not in years:
            years[year] = _build(year, True, package_source(year), package_days)
    return years


def _build(year: int, complete: bool, source: str, days) -> YearCalendar:
    holidays = dict(statutory_holidays(year))
    workdays = {}
    for day, kind, name in days:
        if kind == "workday":
            workdays[day] = name
        else:
            holidays[day] = name or holidays.get(day, "")
    return YearCalendar(
        year=year,
        complete=complete,
        source=source,
        holidays=holidays,
        workdays=workdays,
    )


def _years() -> dict[int, YearCalendar]:
    now = _clock()
    with _lock:
        years, version, checked = _cache["years"], _cache["version"], _cache["checked"]
    recheck = getattr(settings, "WORKCALENDAR_RECHECK_SECONDS", 30)
    if years is not None and now - checked < recheck:
        return years
    current = _version()
    if years is None or current != version:
        years = _load()
    with _lock:
        _cache.update(years=years, version=current, checked=now)
    return years


def year_calendar(year: int) -> YearCalendar:
    """The year's calendar; a year never entered knows only its statutory holidays."""
    known = _years().get(year)
    if known is not None:
        return known
    return YearCalendar(year=year, complete=False, holidays=statutory_holidays(year))


def _year_of(day_or_year: dt.date | int) -> int:
    return day_or_year if isinstance(day_or_year, int) else day_or_year.year


# --- questions -------------------------------------------------------------------------------


def is_known_year(day_or_year: dt.date | int) -> bool:
    """Whether the year's official notice is entered in full (every day's status is certain)."""
    return year_calendar(_year_of(day_or_year)).complete


def day_status(day: dt.date) -> DayStatus:
    """`working`, `rest`, or `unknown`: in a year that is not complete only the statutory
    holidays are certain; even a weekend is `unknown` there (the notice may make it a make-up
    working day)."""
    return year_calendar(day.year).status(day)


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is an official working day (make-up Saturdays included).

    In a year that is not complete this is the provisional answer (Monday–Friday minus the
    statutory holidays); see `is_known_year`.
    """
    return year_calendar(day.year).is_working(day)


def is_public_holiday(day: dt.date) -> bool:
    """Whether `day` is a known public holiday (not a plain weekend)."""
    return day in year_calendar(day.year).holidays


def holiday_name(day: dt.date) -> str | None:
    """The holiday's name (e.g. `国庆节`) or None."""
    return year_calendar(day.year).holidays.get(day)


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
    Across a year that is not complete the result is provisional (`is_provisional`).
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


def missing_years(start: dt.date, end: dt.date) -> list[int]:
    """The years from `start` to `end` (inclusive) whose notice is not entered in full."""
    first, last = sorted((start.year, end.year))
    return [year for year in range(first, last + 1) if not is_known_year(year)]


def is_provisional(start: dt.date, end: dt.date) -> bool:
    """Whether a working-day count from `start` to `end` rests on a year not entered in full."""
    return bool(missing_years(start, end))


def missing_next_year(today: dt.date) -> int | None:
    """From 1 November: next year's number while its calendar is not complete, else None."""
    if today.month < 11:
        return None
    return None if is_known_year(today.year + 1) else today.year + 1
