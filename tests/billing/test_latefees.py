"""The late-payment charge (电费违约金): days, rates, year change, minimum, residential."""

import datetime as dt
from decimal import Decimal

import pytest

from billing.latefees import LateFeeRates, late_fee

D = dt.date
RATES = LateFeeRates(
    current_year=Decimal("0.002"),
    earlier_years=Decimal("0.003"),
    residential=Decimal("0.001"),
    minimum=Decimal("1.00"),
    rounding="ROUND_HALF_UP",
)


def fee(total, due, as_of, payments=(), residential=False, rates=RATES):
    return late_fee(
        total=Decimal(total),
        due_date=due,
        as_of=as_of,
        payments=[(d, Decimal(a)) for d, a in payments],
        residential=residential,
        rates=rates,
    )


def test_nothing_is_owed_on_the_due_date_itself():
    assert fee("10000", D(2025, 3, 25), D(2025, 3, 25)) == Decimal("0.00")


def test_the_charge_starts_the_day_after_the_due_date():
    assert fee("10000", D(2025, 3, 25), D(2025, 3, 26)) == Decimal("20.00")


def test_the_charge_is_daily_and_not_compounded():
    # 10 days at 2‰ of ¥10,000: ¥200, not (1.002^10 − 1) × 10,000.
    assert fee("10000", D(2025, 3, 25), D(2025, 4, 4)) == Decimal("200.00")


def test_days_after_the_year_of_the_due_date_count_at_the_earlier_years_rate():
    # Due 2024-12-30: 31 Dec at 2‰ (1 day), 1–2 Jan at 3‰ (2 days).
    assert fee("10000", D(2024, 12, 30), D(2025, 1, 2)) == Decimal("80.00")


def test_a_bill_due_on_new_years_eve_counts_every_day_at_the_earlier_years_rate():
    assert fee("10000", D(2024, 12, 31), D(2025, 1, 1)) == Decimal("30.00")


def test_a_small_charge_is_raised_to_the_minimum():
    # ¥100 × 2‰ × 1 day = ¥0.20 → ¥1.
    assert fee("100", D(2025, 3, 25), D(2025, 3, 26)) == Decimal("1.00")


def test_residential_bills_use_the_residential_rate_in_every_year():
    assert fee("10000", D(2024, 12, 30), D(2025, 1, 2), residential=True) == Decimal("30.00")


def test_a_payment_on_the_due_date_owes_nothing():
    assert fee("10000", D(2025, 3, 25), D(2025, 4, 30), [(D(2025, 3, 25), "10000")]) == 0


def test_a_payment_the_day_after_the_due_date_owes_one_day():
    assert fee("10000", D(2025, 3, 25), D(2025, 4, 30), [(D(2025, 3, 26), "10000")]) == (
        Decimal("20.00")
    )


def test_the_charge_runs_on_the_unpaid_part_only():
    # ¥10,000 unpaid for 5 days (100), then ¥4,000 for 5 more days (40).
    payments = [(D(2025, 3, 30), "6000")]
    assert fee("10000", D(2025, 3, 25), D(2025, 4, 4), payments) == Decimal("140.00")


def test_payments_after_the_day_asked_about_are_ignored():
    assert fee("10000", D(2025, 3, 25), D(2025, 3, 27), [(D(2025, 4, 1), "10000")]) == (
        Decimal("40.00")
    )


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [
        ("ROUND_HALF_UP", Decimal("1.24")),
        ("ROUND_DOWN", Decimal("1.23")),
    ],
)
def test_rounding_follows_the_setting(rounding, expected):
    rates = LateFeeRates(
        Decimal("0.002"), Decimal("0.003"), Decimal("0.001"), Decimal("1.00"), rounding
    )
    # ¥617.75 × 2‰ = ¥1.2355
    assert fee("617.75", D(2025, 3, 25), D(2025, 3, 26), rates=rates) == expected


def test_rates_come_from_the_settings(settings):
    settings.BILLING_LATE_FEE_RATE_CURRENT_YEAR = Decimal("0.001")
    settings.BILLING_LATE_FEE_MINIMUM = Decimal("0")
    assert late_fee(
        total=Decimal("1000"), due_date=D(2025, 3, 25), as_of=D(2025, 3, 27)
    ) == Decimal("2.00")
