"""Monthly performance snapshots: history stays put when portfolios move."""

import datetime as dt
from decimal import Decimal

import pytest

from common.actors import SYSTEM
from common.errors import DomainError
from customers.portfolios import handover_portfolio
from dashboards import performance
from dashboards import tasks as dashboard_tasks
from dashboards.models import ManagerMonthSnapshot

pytestmark = pytest.mark.django_db

MAY = dt.date(2025, 5, 1)
JUNE = dt.date(2025, 6, 1)


@pytest.fixture
def may_portfolio(clock, bill, pay, customer_for, mgr_a):
    """mgr_a's two customers with May bills, one paid in May, one high-risk and unpaid."""
    clock("2025-06-04 10:00")
    paid, unpaid = customer_for(mgr_a), customer_for(mgr_a, risk_level="high")
    bill(paid, 1000, due="2025-05-10")
    bill(unpaid, 3000, due="2025-05-20")
    pay(paid, 1000, day="2025-05-09")
    return paid, unpaid


def test_a_snapshot_freezes_the_months_indicators(may_portfolio, mgr_a):
    created = performance.snapshot_performance(MAY, acting_user=SYSTEM)
    assert created >= 1
    snapshot = ManagerMonthSnapshot.objects.get(manager=mgr_a, period=MAY)
    assert snapshot.as_of == dt.date(2025, 5, 31)
    assert (snapshot.bills_due, snapshot.collected) == (Decimal("4000.00"), Decimal("1000.00"))
    assert snapshot.collection_rate == Decimal("0.2500")
    assert snapshot.amount_overdue == Decimal("3000.00")
    assert (snapshot.portfolio_customers, snapshot.high_risk_customers) == (2, 1)
    assert snapshot.stars is not None
    assert performance.manager_indicators([mgr_a.pk], MAY)[mgr_a.pk].source == "snapshot"


def test_history_does_not_change_after_a_handover(clock, may_portfolio, pay, mgr_a, mgr_b):
    performance.snapshot_performance(MAY, acting_user=SYSTEM)
    before = performance.manager_indicators([mgr_a.pk, mgr_b.pk], MAY)
    handover_portfolio(mgr_a, to_manager=mgr_b, effective=dt.date(2025, 6, 5), acting_user=SYSTEM)
    clock("2025-06-10 10:00")
    pay(may_portfolio[1], 3000, day="2025-06-10")  # the arrears are paid after the handover
    after = performance.manager_indicators([mgr_a.pk, mgr_b.pk], MAY)
    assert after[mgr_a.pk].as_dict() == before[mgr_a.pk].as_dict()
    assert (after[mgr_a.pk].score, after[mgr_a.pk].stars) == (
        before[mgr_a.pk].score,
        before[mgr_a.pk].stars,
    )
    assert after[mgr_b.pk].portfolio_customers == 0
    # The current month follows the portfolio: the customers are mgr_b's now.
    june = performance.manager_indicators([mgr_a.pk, mgr_b.pk], JUNE)
    assert june[mgr_a.pk].portfolio_customers == 0
    assert june[mgr_b.pk].portfolio_customers == 2


def test_without_a_snapshot_a_past_month_uses_the_portfolio_of_its_last_day(
    clock, may_portfolio, mgr_a, mgr_b
):
    handover_portfolio(mgr_a, to_manager=mgr_b, effective=dt.date(2025, 6, 5), acting_user=SYSTEM)
    may = performance.manager_indicators([mgr_a.pk, mgr_b.pk], MAY)
    assert may[mgr_a.pk].source == "computed"
    assert may[mgr_a.pk].portfolio_customers == 2
    assert may[mgr_a.pk].bills_due == Decimal("4000.00")
    assert may[mgr_b.pk].portfolio_customers == 0


def test_taking_snapshots_again_keeps_the_ones_taken(clock, may_portfolio, pay, mgr_a):
    performance.snapshot_performance(MAY, acting_user=SYSTEM)
    first = ManagerMonthSnapshot.objects.get(manager=mgr_a, period=MAY)
    clock("2025-06-20 10:00")
    assert performance.snapshot_performance(MAY, acting_user=SYSTEM) == 0
    again = ManagerMonthSnapshot.objects.get(manager=mgr_a, period=MAY)
    assert (again.pk, again.computed_at) == (first.pk, first.computed_at)


def test_the_current_month_cannot_be_snapshotted(clock, mgr_a):
    clock("2025-06-15 10:00")
    with pytest.raises(DomainError):
        performance.snapshot_performance(JUNE, acting_user=SYSTEM)


def test_the_scheduled_snapshot_waits_until_the_month_has_settled(clock, settings, mgr_a):
    settings.DASHBOARD_SETTLE_DAYS = 2
    clock("2025-06-02 03:30")
    assert dashboard_tasks.snapshot_previous_month.delay().get() == 0
    assert not ManagerMonthSnapshot.objects.exists()
    clock("2025-06-03 03:30")
    dashboard_tasks.snapshot_previous_month.delay()
    assert ManagerMonthSnapshot.objects.filter(manager=mgr_a, period=MAY).exists()


def test_the_trend_shows_snapshots_the_live_month_and_gaps(may_portfolio, mgr_a):
    performance.snapshot_performance(MAY, acting_user=SYSTEM)
    trend = performance.performance_trend(mgr_a, end=JUNE)
    assert [p for p, _i in trend][-2:] == [MAY, JUNE]
    assert len(trend) == 12
    assert trend[-1][1].source == "live"
    assert trend[-2][1].source == "snapshot"
    assert trend[0][1] is None  # July 2024: no snapshot


def test_supervisors_take_snapshots_on_demand_through_the_api(may_portfolio, api, sup_east, mgr_a):
    response = api(sup_east).post("/api/v1/performance/snapshots/", {"period": "2025-05"})
    assert response.status_code == 200
    assert response.json()["created"] >= 1
    assert ManagerMonthSnapshot.objects.filter(manager=mgr_a, period=MAY).exists()
    refused = api(sup_east).post("/api/v1/performance/snapshots/", {"period": "2025-06"})
    assert refused.status_code == 400
    assert (
        api(mgr_a).post("/api/v1/performance/snapshots/", {"period": "2025-05"}).status_code == 403
    )
