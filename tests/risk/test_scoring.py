"""Each factor's points at its boundaries, the level thresholds and the cap, computed by the
scan's SQL on PostgreSQL (the scan on 2025-06-02, so the 12 months run from 2024-06-02)."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from risk.models import RiskAssessment
from risk.rules import RiskRules, score_features
from risk.selectors import Windows, customer_features
from tests.risk.factories import at, bill, disconnection, month, promise, year_of_bills

pytestmark = pytest.mark.django_db

SCAN_DAY = "2025-06-02"


@pytest.fixture
def customer(customer_for, mgr_a, clock):
    clock(SCAN_DAY)
    return customer_for(mgr_a)


def points(assessment: RiskAssessment, factor: str) -> int:
    return next((r["points"] for r in assessment.reasons if r["factor"] == factor), 0)


def value(assessment: RiskAssessment, factor: str):
    return next((r["value"] for r in assessment.reasons if r["factor"] == factor), None)


def assess(scan, customer) -> RiskAssessment:
    return RiskAssessment.objects.get(scan=scan(), customer=customer)


def period_before(due: dt.date) -> str:
    previous = due.replace(day=1) - dt.timedelta(days=1)
    return f"{previous.year:04d}-{previous.month:02d}"


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, 0),
        (1, 5),
        (14, 5),
        (15, 10),
        (30, 10),
        (31, 15),
        (60, 15),
        (61, 20),
        (90, 20),
        (91, 25),
        (400, 25),
    ],
)
def test_days_past_due_of_the_oldest_unpaid_bill_give_points_by_band(
    customer, scan, days, expected
):
    due = dt.date(2025, 6, 2) - dt.timedelta(days=days)
    bill(customer, period_before(due), due=due.isoformat())

    assessment = assess(scan, customer)

    assert points(assessment, "days_past_due") == expected
    if expected:
        assert value(assessment, "days_past_due") == days


def unpaid(customer, amount: int) -> None:
    """Bills of ¥1,000 for 2024-05 … 2025-04 (the average of the 12-month window is ¥1,000),
    the latest ones unpaid for `amount` in total."""
    remaining = amount
    for index in range(11, -1, -1):
        period = month("2024-05").replace(year=2024 + (4 + index) // 12, month=(4 + index) % 12 + 1)
        label = f"{period.year:04d}-{period.month:02d}"
        owed = min(1000, remaining)
        remaining -= owed
        if owed == 1000:
            bill(customer, label)
        elif owed:
            bill(customer, label, paid=1000 - owed)
        else:
            due = (period + dt.timedelta(days=32)).replace(day=25)
            bill(customer, label, settled=due.isoformat())


@pytest.mark.parametrize(
    ("arrears", "ratio", "expected"),
    [
        (0, None, 0),
        (490, 0.49, 0),
        (495, 0.5, 10),
        (500, 0.5, 10),
        (990, 0.99, 10),
        (1000, 1.0, 18),
        (1990, 1.99, 18),
        (2000, 2.0, 25),
        (2990, 2.99, 25),
        (3000, 3.0, 30),
        (6000, 6.0, 30),
    ],
)
def test_arrears_against_the_average_monthly_bill_give_points_by_band(
    customer, scan, arrears, ratio, expected
):
    unpaid(customer, arrears)

    assessment = assess(scan, customer)

    assert points(assessment, "arrears_ratio") == expected
    assert value(assessment, "arrears_ratio") == (ratio if expected else None)


def test_a_bill_not_yet_due_is_not_arrears(customer, scan):
    year_of_bills(customer, last="2025-04")
    bill(customer, "2025-05", due="2025-06-02")  # due today: not past due

    assessment = assess(scan, customer)

    assert assessment.reasons == []
    assert assessment.score == 0
    assert assessment.level == "low"


@pytest.mark.parametrize(
    ("late", "expected"), [(0, 0), (1, 3), (2, 6), (3, 6), (4, 10), (5, 10), (6, 15), (9, 15)]
)
def test_late_payments_in_the_last_12_months_give_points_by_band(customer, scan, late, expected):
    for index, row in enumerate(year_of_bills(customer, last="2025-04", months=11)):
        if index < late:
            row.settled_on = row.due_date + dt.timedelta(days=1)
            row.save(update_fields=["settled_on"])

    assert points(assess(scan, customer), "late_payments") == expected


@pytest.mark.parametrize(
    ("due", "settled", "counted"),
    [
        ("2024-06-02", "2024-06-03", True),  # due on the first day of the window
        ("2024-06-01", "2024-06-20", False),  # due the day before the window
        ("2025-05-25", "2025-05-25", False),  # paid on the due date is on time
        ("2025-05-25", None, True),  # still unpaid after the due date
    ],
)
def test_late_payment_window_and_due_date_edges(customer, scan, due, settled, counted):
    bill(customer, period_before(dt.date.fromisoformat(due)), due=due, settled=settled)

    assert value(assess(scan, customer), "late_payments") == (1 if counted else None)


def test_a_written_off_bill_is_neither_late_nor_arrears(customer, scan):
    bill(customer, "2025-03", written_off=True)

    assessment = assess(scan, customer)

    assert assessment.reasons == []


@pytest.mark.parametrize(("broken", "expected"), [(0, 0), (1, 10), (2, 15), (3, 20), (5, 20)])
def test_broken_promises_in_the_last_6_months_give_points_by_band(customer, scan, broken, expected):
    for n in range(broken):
        promise(customer, due=f"2025-0{1 + n % 5}-10")
    promise(customer, due="2025-05-10", status="kept")
    promise(customer, due="2025-06-20", status="pending")

    assert points(assess(scan, customer), "broken_promises") == expected


@pytest.mark.parametrize(("due", "counted"), [("2024-12-02", True), ("2024-12-01", False)])
def test_broken_promise_window_edge(customer, scan, due, counted):
    promise(customer, due=due)

    assert points(assess(scan, customer), "broken_promises") == (10 if counted else 0)


@pytest.mark.parametrize(
    ("recent_kwh", "drop", "expected"),
    [
        (12000, None, 0),
        (7100, None, 0),
        (7050, 0.3, 5),
        (7000, 0.3, 5),
        (5100, 0.49, 5),
        (5000, 0.5, 10),
        (3000, 0.7, 15),
        (0, 1.0, 15),
    ],
)
def test_drop_in_consumption_gives_points_by_band(customer, scan, recent_kwh, drop, expected):
    for label in ("2024-12", "2025-01", "2025-02"):
        due = (month(label) + dt.timedelta(days=32)).replace(day=25)
        bill(customer, label, kwh=10000, settled=due.isoformat())
    for label in ("2025-03", "2025-04", "2025-05"):
        due = (month(label) + dt.timedelta(days=32)).replace(day=25)
        bill(
            customer,
            label,
            kwh=recent_kwh,
            settled=due.isoformat() if due < dt.date(2025, 6, 2) else None,
        )

    assessment = assess(scan, customer)

    assert points(assessment, "consumption_drop") == expected
    assert value(assessment, "consumption_drop") == drop


def test_no_bills_in_a_consumption_window_gives_no_drop(customer, scan):
    for label in ("2024-12", "2025-01"):
        due = (month(label) + dt.timedelta(days=32)).replace(day=25)
        bill(customer, label, kwh=10000, settled=due.isoformat())

    assert points(assess(scan, customer), "consumption_drop") == 0


@pytest.mark.parametrize(
    ("executed", "hour", "status", "expected"),
    [
        ("2024-06-02", 0, "reconnected", 10),
        ("2024-06-01", 23, "reconnected", 0),
        ("2025-05-30", 9, "executed", 10),
    ],
)
def test_disconnection_in_the_last_12_months_gives_points(
    customer, scan, executed, hour, status, expected
):
    row = disconnection(customer, executed=executed, status=status)
    row.executed_at = at(executed, hour)
    row.save(update_fields=["executed_at"])

    assert points(assess(scan, customer), "disconnections") == expected


@pytest.mark.parametrize(
    ("importance", "owes", "expected"),
    [
        ("special", True, 5),
        ("level1", True, 5),
        ("level2", True, 3),
        ("temporary", True, 3),
        ("normal", True, 0),
        ("level1", False, 0),
    ],
)
def test_important_customer_with_arrears_gets_points(
    customer_for, mgr_a, clock, scan, importance, owes, expected
):
    clock(SCAN_DAY)
    customer = customer_for(mgr_a, importance=importance)
    bill(customer, "2025-03", settled=None if owes else "2025-04-20")

    assessment = assess(scan, customer)

    assert points(assessment, "importance") == expected
    if expected:
        assert value(assessment, "importance") == importance


def test_score_is_capped_at_100_and_reasons_list_every_factor_with_points(
    customer_for, mgr_a, clock, scan
):
    clock(SCAN_DAY)
    customer = customer_for(mgr_a, importance="special")
    for label in (
        "2024-06",
        "2024-07",
        "2024-08",
        "2024-09",
        "2024-10",
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ):
        bill(customer, label, kwh=10000)
    for label in ("2025-03", "2025-04", "2025-05"):
        bill(customer, label, kwh=1000)
    for n in range(3):
        promise(customer, due=f"2025-0{n + 2}-10")
    disconnection(customer, executed="2025-01-15")

    assessment = assess(scan, customer)

    assert [r["factor"] for r in assessment.reasons] == [
        "arrears_ratio",
        "days_past_due",
        "late_payments",
        "broken_promises",
        "consumption_drop",
        "disconnections",
        "importance",
    ]
    assert sum(r["points"] for r in assessment.reasons) > 100
    assert assessment.score == 100
    assert assessment.level == "critical"


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, "low"),
        (29, "low"),
        (30, "medium"),
        (59, "medium"),
        (60, "high"),
        (79, "high"),
        (80, "critical"),
        (100, "critical"),
    ],
)
def test_level_thresholds(customer, scan, score, level):
    promise(customer, due="2025-05-10")
    with override_settings(RISK_FACTOR_BANDS={"broken_promises": [(1, score)]}):
        assessment = assess(scan, customer)

    assert (assessment.score, assessment.level) == (score, level)
    assert RiskRules.from_settings().level_for(score) == level


def test_only_active_customers_are_scanned(customer_for, mgr_a, clock, scan):
    clock(SCAN_DAY)
    active = customer_for(mgr_a)
    suspended = customer_for(mgr_a, status="suspended")

    done = scan()

    assert set(RiskAssessment.objects.filter(scan=done).values_list("customer", flat=True)) == {
        active.pk
    }
    assert done.customers_scanned == 1
    suspended.refresh_from_db()
    assert suspended.risk_level is None


def random_history(customer, rng: random.Random) -> None:
    for back in range(rng.randint(0, 15)):
        index = 2025 * 12 + 4 - back  # 2025-05 backwards
        label = f"{index // 12:04d}-{index % 12 + 1:02d}"
        due = (month(label) + dt.timedelta(days=32)).replace(day=25)
        total = Decimal(rng.choice(["800.00", "1000.00", "1234.56", "5000.00"]))
        kwh = rng.choice([0, 3000, 8000, 10000])
        state = rng.random()
        if due >= dt.date(2025, 6, 2) or state < 0.25:
            bill(customer, label, total=total, kwh=kwh)
        elif state < 0.4:
            bill(customer, label, total=total, kwh=kwh, paid=total / 3)
        else:
            late = rng.choice([0, 0, 0, 3, 20])
            bill(
                customer,
                label,
                total=total,
                kwh=kwh,
                settled=(due + dt.timedelta(days=late)).isoformat(),
            )
    for _ in range(rng.randint(0, 3)):
        promise(
            customer,
            due=f"2025-0{rng.randint(1, 5)}-1{rng.randint(0, 9)}",
            status=rng.choice(["broken", "kept"]),
        )
    if rng.random() < 0.2:
        disconnection(customer, executed="2025-02-12")


def test_the_scan_sql_agrees_with_the_rules_written_in_python(customer_for, mgr_a, clock, scan):
    """For customers with assorted histories, the scan's SQL gives the same reasons, score
    and level as the per-customer reference features scored in Python."""
    clock(SCAN_DAY)
    rng = random.Random(20250602)
    importance = ["normal", "normal", "level1", "special", "level2"]
    customers = [customer_for(mgr_a, importance=rng.choice(importance)) for _ in range(25)]
    for customer in customers:
        random_history(customer, rng)
    rules = RiskRules.from_settings()
    windows = Windows(as_of=dt.date(2025, 6, 2), now=timezone.now())
    expected = {c.pk: score_features(customer_features(c, windows), rules) for c in customers}

    done = scan()

    found = {
        a.customer_id: (a.score, a.level, a.reasons)
        for a in RiskAssessment.objects.filter(scan=done)
    }
    assert found == expected
    assert len({score for score, _level, _reasons in expected.values()}) > 5
