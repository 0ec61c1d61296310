"""The late-payment charge (电费违约金) of a bill, computed exactly with Decimal.

Rules (供电营业规则; rates, minimum and rounding are settings):
- it runs from the day after the due date, for every day, on the part of the bill unpaid that
  day; an amount paid on day D still counts for day D (paid the day after the due date: one
  day), and stops counting the day after;
- the daily rate is BILLING_LATE_FEE_RATE_RESIDENTIAL for a residential bill; otherwise
  BILLING_LATE_FEE_RATE_CURRENT_YEAR for the days in the year the bill fell due and
  BILLING_LATE_FEE_RATE_EARLIER_YEARS for the days after that year ended (跨年度欠费);
- it is simple, never compounded, rounded to the cent with BILLING_LATE_FEE_ROUNDING, and a
  bill that owes any charge owes at least BILLING_LATE_FEE_MINIMUM.

The inputs are the bill's allocations with their payment dates, so a page computes the charge
of any number of bills from two queries (bills and their allocations).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from common.money import CENT, ZERO


@dataclass(frozen=True)
class LateFeeRates:
    current_year: Decimal
    earlier_years: Decimal
    residential: Decimal
    minimum: Decimal
    rounding: str

    @classmethod
    def from_settings(cls) -> LateFeeRates:
        return cls(
            current_year=Decimal(settings.BILLING_LATE_FEE_RATE_CURRENT_YEAR),
            earlier_years=Decimal(settings.BILLING_LATE_FEE_RATE_EARLIER_YEARS),
            residential=Decimal(settings.BILLING_LATE_FEE_RATE_RESIDENTIAL),
            minimum=Decimal(settings.BILLING_LATE_FEE_MINIMUM),
            rounding=settings.BILLING_LATE_FEE_ROUNDING,
        )


def _days(start: dt.date, end: dt.date) -> int:
    """Days in (start, end]."""
    return max(0, (end - start).days)


def _rate_days(
    start: dt.date, end: dt.date, *, due_year: int, residential: bool, rates: LateFeeRates
) -> Decimal:
    """Σ daily rate over the days in (start, end]."""
    total_days = _days(start, end)
    if total_days == 0:
        return ZERO
    if residential:
        return rates.residential * total_days
    same_year = _days(start, min(end, dt.date(due_year, 12, 31)))
    return rates.current_year * same_year + rates.earlier_years * (total_days - same_year)


def late_fee(
    *,
    total: Decimal,
    due_date: dt.date,
    as_of: dt.date,
    payments: Iterable[tuple[dt.date, Decimal]] = (),
    residential: bool = False,
    rates: LateFeeRates | None = None,
) -> Decimal:
    """The charge owed on `as_of` for a bill of `total` due on `due_date`.

    `payments` are (payment date, amount allocated to this bill). Payments dated after `as_of`
    are ignored: the bill was unpaid then.
    """
    rates = rates or LateFeeRates.from_settings()
    if as_of <= due_date or total <= 0:
        return ZERO
    weights = {}

    def weight(start: dt.date) -> Decimal:
        if start not in weights:
            weights[start] = _rate_days(
                start, as_of, due_year=due_date.year, residential=residential, rates=rates
            )
        return weights[start]

    amount = total * weight(due_date)
    for paid_on, paid in payments:
        amount -= paid * weight(max(paid_on, due_date))
    if amount <= 0:
        return ZERO
    amount = amount.quantize(CENT, rounding=rates.rounding)
    return max(amount, rates.minimum.quantize(CENT))
