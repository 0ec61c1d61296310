"""Entering the official calendar in tests.

The test database is built by the migrations, so the years chinesecalendar knows (to 2026) are
there as seeded; a test whose "now" is in a later year enters that year first:

    def test_something_in_2027(official_calendar):
        official_calendar(2027, holidays=[dt.date(2027, 2, 8)], workdays=[dt.date(2027, 2, 6)])

or `enter_official_calendar(...)` directly; `sample_calendars` (or `enter_sample_calendar`)
enters stand-ins for 2027 and 2028 shaped like a real notice. Tests with `transaction=True`
start from flushed tables; the seeded years then come from the package itself
(`common.workcalendar`), so nothing is needed there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pytest

from common import workcalendar
from common.models import CalendarDay, CalendarYear, DayKind

DayArg = dt.date | tuple[dt.date, str]


def _days(items: Iterable[DayArg], kind: str, row: CalendarYear) -> list[CalendarDay]:
    days = []
    for item in items:
        day, name = item if isinstance(item, tuple) else (item, "")
        days.append(CalendarDay(calendar_year=row, date=day, kind=kind, name=name))
    return days


def enter_official_calendar(
    year: int,
    *,
    holidays: Iterable[DayArg] = (),
    workdays: Iterable[DayArg] = (),
    source: str = "国务院办公厅关于部分节假日安排的通知（测试）",
    complete: bool = True,
) -> CalendarYear:
    """Replace `year` with these holidays and make-up working days (statutory days are always
    holidays). Writes the models directly: no acting user, no listeners called — to test what
    happens when an administrator enters a year, call `replace_calendar_year`."""
    row, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": source, "complete": complete}
    )
    CalendarDay.objects.filter(calendar_year=row).delete()
    CalendarDay.objects.bulk_create(
        _days(holidays, DayKind.HOLIDAY, row) + _days(workdays, DayKind.WORKDAY, row)
    )
    workcalendar.clear_cache()
    return row


def _span(first: str, last: str, name: str) -> list[tuple[dt.date, str]]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + dt.timedelta(days=n), name) for n in range((end - start).days + 1)]


def _days_of(*dates: str, name: str) -> list[tuple[dt.date, str]]:
    return [(dt.date.fromisoformat(d), name) for d in dates]


# Stand-ins for 2027 and 2028, shaped like a real notice (Spring Festival 2027-02-06 and
# 2028-01-26, make-up weekend days) — NOT the State Council's notices: tests that need "a
# holiday", "the eve of Spring Festival" or "a make-up Saturday" in those years use them.
SAMPLE_CALENDARS: dict[int, dict[str, list[tuple[dt.date, str]]]] = {
    2027: {
        "holidays": _span("2027-01-01", "2027-01-03", "元旦")
        + _span("2027-02-05", "2027-02-12", "春节")
        + _span("2027-05-01", "2027-05-05", "劳动节")
        + _span("2027-10-01", "2027-10-07", "国庆节"),
        "workdays": _days_of("2027-02-14", name="春节")
        + _days_of("2027-04-25", "2027-05-08", name="劳动节")
        + _days_of("2027-09-26", "2027-10-09", name="国庆节"),
    },
    2028: {
        "holidays": _span("2028-01-01", "2028-01-03", "元旦")
        + _span("2028-01-25", "2028-02-01", "春节")
        + _span("2028-05-01", "2028-05-05", "劳动节")
        + _span("2028-10-01", "2028-10-07", "国庆节"),
        "workdays": _days_of("2028-01-22", "2028-02-05", name="春节")
        + _days_of("2028-04-29", "2028-05-06", name="劳动节")
        + _days_of("2028-09-30", "2028-10-08", name="国庆节"),
    },
}


def enter_sample_calendar(year: int) -> CalendarYear:
    """Enter the stand-in calendar of 2027 or 2028 (see SAMPLE_CALENDARS)."""
    sample = SAMPLE_CALENDARS[year]
    return enter_official_calendar(
        year,
        holidays=sample["holidays"],
        workdays=sample["workdays"],
        source=f"{year}年节假日安排（测试用样例，非国务院通知）",
    )


@pytest.fixture
def sample_calendars(db):
    """2027 and 2028 entered with their stand-in calendars (SAMPLE_CALENDARS)."""
    return [enter_sample_calendar(year) for year in sorted(SAMPLE_CALENDARS)]


@pytest.fixture
def official_calendar(db):
    """`official_calendar(year, holidays=[...], workdays=[...])` enters a year for the test."""
    return enter_official_calendar
