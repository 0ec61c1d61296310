"""Entering the official calendar in tests.

The test database is built by the migrations, so the years chinesecalendar knows (to 2026) are
there as seeded; a test whose "now" is in a later year enters that year first:

    def test_something_in_2027(official_calendar):
        official_calendar(2027, holidays=[dt.date(2027, 2, 8)], workdays=[dt.date(2027, 2, 6)])

or `enter_official_calendar(...)` directly. Tests with `transaction=True` start from flushed
tables; the seeded years then come from the package itself (`common.workcalendar`), so nothing
is needed there.
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


@pytest.fixture
def official_calendar(db):
    """`official_calendar(year, holidays=[...], workdays=[...])` enters a year for the test."""
    return enter_official_calendar
