"""Checking import rows (API JSON objects or file rows) field by field, in plain Python: a
daily voltage import runs to a million rows, which a Django form per row would make slow.

Each checker returns (cleaned data, errors); errors are `{"row", "field", "message"}` as for
the bill import (billing.imports.row_error), the message in the request's language.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from common.moments import clock_skew, date_problem, window

MINUTES_PER_DAY = 1440
_TRUE = {"1", "true", "yes", "y", "是", "计划", "planned"}
_FALSE = {"0", "false", "no", "n", "否", "故障", "fault", ""}
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Problem(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def row_error(row: int, field: str, message) -> dict[str, Any]:
    return {"row": row, "field": field, "message": str(message)}


class Context:
    """What every row of one import is checked against, worked out once: the moment, the
    local day and the earliest plausible date; and the days and percentages already parsed
    (a daily import repeats the same few hundred of each across its points)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.today = timezone.localdate(now)
        self.earliest, _last = window("billing", today=self.today)
        self.earliest_moment = timezone.make_aware(dt.datetime.combine(self.earliest, dt.time()))
        self.days: dict[str, dt.date | Problem] = {}
        self.percents: dict[str, Decimal | None] = {}


class RowChecker:
    """Typed values out of one row's raw cells; raises Problem on the first bad field."""

    def __init__(self, row: dict[str, Any], *, context: Context) -> None:
        self.row = row
        self.context = context
        self.now = context.now

    def raw(self, name: str):
        value = self.row.get(name)
        kind = type(value)
        if kind is int or value is None:  # the common cases first: a million rows a night
            return value
        if kind is str:
            value = value.strip()
            return value or None
        if isinstance(value, (dict, list, tuple)):
            raise Problem(name, _("Give a single value, not a list."))
        return value

    def text(self, name: str, max_length: int, *, required: bool = False) -> str:
        value = self.raw(name)
        if value is None:
            if required:
                raise Problem(name, _("This field is required."))
            return ""
        value = str(value)
        if len(value) > max_length:
            raise Problem(name, _("At most %(n)d characters.") % {"n": max_length})
        return value

    def integer(self, name: str, *, low: int, high: int, required: bool = True) -> int | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise Problem(name, _("This field is required."))
            return None
        if type(value) is int and low <= value <= high:
            return value
        if isinstance(value, bool):
            raise Problem(name, _("Enter a whole number."))
        try:
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
        except (TypeError, ValueError):
            number = None
        if number is None:
            raise Problem(name, _("Enter a whole number."))
        if not low <= number <= high:
            raise Problem(
                name, _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}
            )
        return number

    def percent(self, name: str) -> Decimal:
        value = self.raw(name)
        if value is None:
            raise Problem(name, _("This field is required."))
        text = str(value)
        known = self.context.percents
        if text not in known:
            known[text] = _percent(text)
        number = known[text]
        if number is None:
            raise Problem(name, _("Enter a percentage such as 5.25 or -3.1."))
        return number

    def boolean(self, name: str) -> bool:
        value = self.raw(name)
        if value is None or isinstance(value, bool):
            return bool(value)
        text = str(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise Problem(name, _("Enter true or false."))

    def moment(self, name: str, *, required: bool = False) -> dt.datetime | None:
        """A time that has happened: ISO 8601 (with offset, or local time), not in the future."""
        value = self.raw(name)
        if value is None:
            if required:
                raise Problem(name, _("This field is required."))
            return None
        if not isinstance(value, dt.datetime):
            try:
                value = dt.datetime.fromisoformat(str(value))
            except ValueError:
                raise Problem(
                    name, _("Enter a date and time such as 2026-03-01T08:30:00+08:00.")
                ) from None
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value > self.now + clock_skew():
            raise Problem(name, _("This time is in the future."))
        if value < self.context.earliest_moment:
            raise Problem(name, date_problem(value, "billing") or "")
        return min(value, self.now)

    def day(self, name: str) -> dt.date:
        """A day that has ended, as YYYY-MM-DD (or a spreadsheet date)."""
        value = self.raw(name)
        if value is None:
            raise Problem(name, _("This field is required."))
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return self._checked_day(name, value)
        text = str(value)
        known = self.context.days
        if text not in known:
            try:
                if not _DATE_RE.match(text):
                    raise ValueError
                known[text] = self._checked_day(name, dt.date.fromisoformat(text))
            except ValueError:
                known[text] = Problem(name, _("Enter a date as YYYY-MM-DD."))
            except Problem as problem:
                known[text] = problem
        found = known[text]
        if isinstance(found, Problem):
            raise Problem(name, found.message)
        return found

    def _checked_day(self, name: str, value: dt.date) -> dt.date:
        if value >= self.context.today:
            raise Problem(name, _("This day has not ended yet."))
        if value < self.context.earliest:
            raise Problem(name, date_problem(value, "billing") or "")
        return value


def clean_interruption(row: dict[str, Any], *, context: Context) -> dict[str, Any]:
    """The fields of one interruption row; Problem on the first bad one."""
    check = RowChecker(row, context=context)
    data: dict[str, Any] = {
        "source_ref": check.text("source_ref", 100, required=True),
        "feeder": check.text("feeder", 30, required=True),
        "customer": check.integer("customer", low=1, high=2**63 - 1, required=False),
        "account_no": check.text("account_no", 32),
        "start": check.moment("start", required=True),
        "end": check.moment("end"),
        "cause": check.text("cause", 300),
        "planned": check.boolean("planned"),
        "outage": check.integer("outage", low=1, high=2**63 - 1, required=False),
        "cause_cleared_at": check.moment("cause_cleared_at"),
    }
    if data["end"] is not None and data["end"] <= data["start"]:
        raise Problem("end", _("The end must be after the start."))
    cleared = data["cause_cleared_at"]
    if cleared is not None and cleared < data["start"]:
        raise Problem("cause_cleared_at", _("The cause cannot be cleared before the start."))
    if cleared is not None and data["end"] is not None and cleared > data["end"]:
        raise Problem("cause_cleared_at", _("Supply cannot be back before the cause is cleared."))
    return data


def clean_reading(row: dict[str, Any], *, context: Context) -> dict[str, Any]:
    """The fields of one daily voltage reading; Problem on the first bad one."""
    check = RowChecker(row, context=context)
    data: dict[str, Any] = {
        "point": check.text("point", 40, required=True),
        "customer": check.integer("customer", low=1, high=2**63 - 1, required=False),
        "day": check.day("day"),
        "minutes_monitored": check.integer("minutes_monitored", low=0, high=MINUTES_PER_DAY),
        "minutes_above": check.integer("minutes_above", low=0, high=MINUTES_PER_DAY),
        "minutes_below": check.integer("minutes_below", low=0, high=MINUTES_PER_DAY),
        "max_deviation_pct": check.percent("max_deviation_pct"),
        "min_deviation_pct": check.percent("min_deviation_pct"),
    }
    if data["minutes_above"] + data["minutes_below"] > data["minutes_monitored"]:
        raise Problem(
            "minutes_above",
            _("Minutes above and below the limits cannot exceed the minutes monitored."),
        )
    if data["min_deviation_pct"] > data["max_deviation_pct"]:
        raise Problem(
            "min_deviation_pct", _("The minimum deviation cannot exceed the maximum deviation.")
        )
    return data


def check_rows(rows: list, cleaner, *, now: dt.datetime, numbers: list[int] | None = None):
    """([(row number, cleaned data)], [errors]) for `rows` with `cleaner`."""
    valid: list[tuple[int, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    context = Context(now)
    for index, raw in enumerate(rows):
        number = numbers[index] if numbers else index + 1
        if not isinstance(raw, dict):
            errors.append(row_error(number, "", _("Each row must be an object of fields.")))
            continue
        try:
            valid.append((number, cleaner(raw, context=context)))
        except Problem as problem:
            errors.append(row_error(number, problem.field, problem.message))
    return valid, errors


def _percent(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) >= 1000:
        return None
    return number.quantize(Decimal("0.01"))
