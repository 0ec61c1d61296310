"""When things may have happened or be planned: one rule for every date and time the product
accepts, used by the services so that pages, API, admin, imports and commands agree.

- A time that records when something happened (a payment's `paid_at`, a collection action's
  `at` and `delivered_at`, a complaint's `received_at` and `customer_informed_at`, a visit's
  `visited_at`, a delivery report's `at`, …) may not lie in the future beyond
  CLOCK_SKEW_ALLOWANCE, nor before EARLIEST_BUSINESS_DATE.
- A date that is planned or issued (an outage, a promise, a disconnection, a bill's dates and
  period) lies within a window around today, per kind: WINDOWS below, in one place.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from common.errors import DomainError

# No business record of the product predates this (the utility's systems start in 2000).
EARLIEST_BUSINESS_DATE = dt.date(2000, 1, 1)

# kind: (days before today, days after today) that a date of that kind may lie; None = from
# EARLIEST_BUSINESS_DATE.
WINDOWS: dict[str, tuple[int | None, int]] = {
    # A bill's issue and due dates and its period: history from 2000, at most a year ahead.
    "billing": (None, 366),
    # A promise to pay, a disconnection date, a planned outage: at most two years ahead.
    "planned": (None, 2 * 366),
}


def clock_skew() -> dt.timedelta:
    return getattr(settings, "CLOCK_SKEW_ALLOWANCE", dt.timedelta(minutes=5))


def _show(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def happened_problem(value: dt.datetime, *, now: dt.datetime | None = None) -> str | None:
    """Why `value` cannot be when something happened, or None."""
    now = now or timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + clock_skew():
        return _("This time is in the future.")
    if timezone.localdate(value) < EARLIEST_BUSINESS_DATE:
        return _("This date is implausibly early (before %(date)s).") % {
            "date": _show(EARLIEST_BUSINESS_DATE)
        }
    return None


def check_happened(value, *, field: str, now: dt.datetime | None = None):
    """Refuse (DomainError on `field`) a time of something that happened that lies in the
    future beyond the clock-skew allowance, or before EARLIEST_BUSINESS_DATE.

    Returns the time to record: a time within the allowance ahead of `now` (a client whose
    clock runs fast) is recorded as `now`, so nothing is recorded as happening after the
    moment it was recorded."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    now = now or timezone.now()
    problem = happened_problem(value, now=now)
    if problem:
        code = "in_future" if value > now else "implausible_date"
        raise DomainError(code, problem, field=field)
    return min(value, now)


def window(kind: str, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last date a date of `kind` may be."""
    today = today or timezone.localdate()
    before, after = WINDOWS[kind]
    first = EARLIEST_BUSINESS_DATE if before is None else today - dt.timedelta(days=before)
    return max(first, EARLIEST_BUSINESS_DATE), today + dt.timedelta(days=after)


def date_problem(value: dt.date | dt.datetime, kind: str, *, today=None) -> str | None:
    """Why `value` is not a plausible date of `kind`, or None."""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    first, last = window(kind, today=today)
    if first <= value <= last:
        return None
    return _("Give a date from %(first)s to %(last)s.") % {
        "first": _show(first),
        "last": _show(last),
    }


def check_date(value, *, field: str, kind: str, today: dt.date | None = None) -> None:
    """Refuse (DomainError on `field`) a date or time outside the window of its `kind`."""
    if value is None:
        return
    problem = date_problem(value, kind, today=today)
    if problem:
        raise DomainError("implausible_date", problem, field=field)


# A billing period is exactly `YYYY-MM` (ASCII digits): `2026-1`, `202601` and `2026/01` are
# refused rather than guessed, so that a typo never upserts another month's bill.
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_PERIOD_RE = re.compile(PERIOD_PATTERN)


def period_label(period: dt.date) -> str:
    """The first day of a month as its billing period, `YYYY-MM`."""
    return f"{period.year:04d}-{period.month:02d}"


def parse_period(value: str) -> dt.date:
    """`YYYY-MM` as the first day of that month; ValueError with a message otherwise."""
    if not isinstance(value, str) or not _PERIOD_RE.match(value):
        raise ValueError(_("Enter a billing period as YYYY-MM (e.g. 2025-03)."))
    return dt.date(int(value[:4]), int(value[5:7]), 1)


# --- reporting months: a month as the date of its first day ----------------------------------

MIN_PERIOD = dt.date(2000, 1, 1)


def current_period(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return today.replace(day=1)


def month_end(period: dt.date) -> dt.date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def shift_months(period: dt.date, months: int) -> dt.date:
    index = period.year * 12 + period.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(value: str | None, *, today: dt.date | None = None) -> dt.date:
    """A `YYYY-MM` month from input (empty: the current month); bad input raises a
    ValidationError on `period`."""
    today = today or timezone.localdate()
    if value is None or value == "":
        return current_period(today)
    message = _("Give the month as YYYY-MM, from 2000-01 to the current month.")
    parts = value.split("-")
    if (
        len(parts) != 2
        or len(parts[0]) != 4
        or len(parts[1]) != 2
        or not all(p.isascii() and p.isdigit() for p in parts)
        or not 1 <= int(parts[1]) <= 12
    ):
        raise ValidationError({"period": [message]})
    period = dt.date(int(parts[0]), int(parts[1]), 1)
    if not MIN_PERIOD <= period <= current_period(today):
        raise ValidationError({"period": [message]})
    return period
