"""The fast path of bill row validation: a plainly valid row is checked and typed in plain
Python, without building a Django form.

`BillRowForm` (billing.imports) stays the reference: a row this module does not accept — any
problem, or a value in a form it does not recognise (a date as 2025/3/1, an amount as 1e3) —
goes through the form, which gives the messages. So the fast path can only be stricter than
the form, never more lenient, and every error message comes from one place.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from billing.models import TariffCategory
from common.moments import PERIOD_PATTERN, window

_PERIOD_RE = re.compile(PERIOD_PATTERN)
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# What a money or kWh field of the form accepts, without the exotic spellings (1e3, 1., +1).
_AMOUNT_RE = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
_SIGNED_AMOUNT_RE = re.compile(r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$")
_TARIFF_CATEGORIES = frozenset(TariffCategory.values)
_ZERO = Decimal("0")
_SPLIT = ("peak_kwh", "flat_kwh", "valley_kwh")


class NotPlain(Exception):
    """The row needs the form: it has a problem or an unusual value."""


class BillRowChecker:
    """Checks rows against the billing date window of one day (taken once, not per row)."""

    def __init__(self, today: dt.date | None = None) -> None:
        self.first, self.last = window("billing", today=today)

    def clean(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The cleaned data the form would give for `row`, or None when the row must go
        through the form. `row` holds plain values (strings, ints, None)."""
        try:
            return self._clean(row)
        except NotPlain:
            return None

    def _clean(self, row: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "account_no": _text(row.get("account_no"), 32),
            "period": self._period(row.get("period")),
            "issue_date": self._date(row.get("issue_date")),
            "due_date": self._date(row.get("due_date")),
            "tariff_category": _tariff(row.get("tariff_category")),
            "energy_kwh": _amount(row.get("energy_kwh")),
            "energy_charge": _amount(row.get("energy_charge"), required=True),
            "total": _amount(row.get("total")),
        }
        given = [_amount(row.get(name)) for name in _SPLIT]
        for name, value in zip(_SPLIT, given, strict=True):
            data[name] = value or _ZERO
        for name in ("basic_charge", "other_charges"):
            data[name] = _amount(row.get(name)) or _ZERO
        data["power_factor_adjustment"] = (
            _amount(row.get("power_factor_adjustment"), signed=True) or _ZERO
        )
        if data["due_date"] < data["issue_date"]:
            raise NotPlain
        if data["period"] > data["issue_date"].replace(day=1):
            raise NotPlain
        split = data["peak_kwh"] + data["flat_kwh"] + data["valley_kwh"]
        if data["energy_kwh"] is None:
            if all(value is None for value in given):
                raise NotPlain
            data["energy_kwh"] = split
        elif any(value is not None for value in given) and split != data["energy_kwh"]:
            raise NotPlain
        computed = (
            data["basic_charge"]
            + data["energy_charge"]
            + data["power_factor_adjustment"]
            + data["other_charges"]
        )
        if data["total"] is None:
            data["total"] = computed
        if data["total"] != computed or data["total"] < 0:
            raise NotPlain
        return data

    def _period(self, value: Any) -> dt.date:
        if not isinstance(value, str) or not _PERIOD_RE.match(value):
            raise NotPlain
        return self._within(dt.date(int(value[:4]), int(value[5:7]), 1))

    def _date(self, value: Any) -> dt.date:
        if not isinstance(value, str) or not _DATE_RE.match(value):
            raise NotPlain
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise NotPlain from exc
        return self._within(day)

    def _within(self, day: dt.date) -> dt.date:
        if not self.first <= day <= self.last:
            raise NotPlain
        return day


def _text(value: Any, max_length: int) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise NotPlain
    value = value.strip()
    if not value or len(value) > max_length or "\x00" in value:
        raise NotPlain
    return value


def _tariff(value: Any) -> str:
    if value is None or value == "":
        return ""
    if value not in _TARIFF_CATEGORIES:
        raise NotPlain
    return value


def _amount(value: Any, *, required: bool = False, signed: bool = False) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise NotPlain
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not (_SIGNED_AMOUNT_RE if signed else _AMOUNT_RE).match(value):
        raise NotPlain
    return Decimal(value)
