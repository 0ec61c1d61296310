"""Each of a manager's indicators on hand-built data, and the performance endpoint."""

import datetime as dt
from decimal import Decimal

import pytest

from common.actors import SYSTEM
from complaints import services as complaint_services
from complaints import sla
from dashboards import performance, summaries
from tests.complaints.conftest import resolution
from tests.dashboards.conftest import at
from tests.dashboards.factories import VisitPlanFactory
from visits import services as visits
from visits.models import VisitPlanStatus

pytestmark = pytest.mark.django_db

MAY = dt.date(2025, 5, 1)
JUNE = dt.date(2025, 6, 1)


def indicators(manager, period):
    return performance.manager_indicators([manager.pk], period)[manager.pk]


@pytest.fixture
def portfolio(clock, bill, pay, customer_for, mgr_a, mgr_b):
    """mgr_a's customers with bills of May and June (today is 2025-06-15); one of mgr_b."""
    clock("2025-06-15 10:00")
    paid_early, paid_part, never_paid, due_later, june_unpaid = (
        customer_for(mgr_a) for _ in range(5)
    )
    other = customer_for(mgr_b)
    bill(paid_early, 1000, due="2025-05-10")
    bill(paid_part, 2000, due="2025-05-20")
    bill(never_paid, 400, due="2025-03-15")
    bill(due_later, 700, due="2025-06-20", issued="2025-05-28")
    bill(june_unpaid, 300, due="2025-06-10")
    bill(other, 999, due="2025-05-15")
    pay(paid_early, 1000, day="2025-05-08")
    pay(paid_part, 500, day="2025-05-25")
    pay(paid_part, 1500, day="2025-06-05")
    return {"paid_part": paid_part, "never_paid": never_paid, "other": other}


def test_collection_rate_counts_what_was_paid_by_the_end_of_the_month(portfolio, mgr_a):
    may = indicators(mgr_a, MAY)
    assert may.source == "computed"
    assert may.as_of == dt.date(2025, 5, 31)
    # Due in May: 1000 + 2000; paid by 31 May: 1000 + 500 (the June payment is too late).
    assert (may.bills_due, may.collected) == (Decimal("3000.00"), Decimal("1500.00"))
    assert may.collection_rate == Decimal("0.5000")


def test_amount_overdue_is_what_was_unpaid_on_the_as_of_day(portfolio, mgr_a):
    # End of May: 1500 of the bill due 20 May and the 400 due in March.
    assert indicators(mgr_a, MAY).amount_overdue == Decimal("1900.00")
    june = indicators(mgr_a, JUNE)
    assert june.source == "live"
    # Today: the May bill is paid; March's 400 and the 300 due 10 June are not.
    assert june.amount_overdue == Decimal("700.00")


def test_the_current_month_counts_bills_due_so_far_and_the_whole_months_billing(portfolio, mgr_a):
    june = indicators(mgr_a, JUNE)
    assert june.billed == Decimal("1000.00")  # 700 due on the 20th + 300 due on the 10th
    assert june.bills_due == Decimal("300.00")
    assert june.collection_rate == Decimal("0.0000")
    assert june.ratios["overdue_ratio"] == Decimal("0.4118")  # 700 / (700 + 1000)


def test_aging_buckets_of_the_summary(portfolio):
    summaries.refresh_portfolio_summary(JUNE)
    totals = summaries.summary_totals([JUNE])[JUNE]
    # 300 (5 days), 400 (92 days) of mgr_a, and mgr_b's 999 due 15 May (31 days).
    assert totals["aging_1_30"] == Decimal("300.00")
    assert totals["aging_31_60"] == Decimal("999.00")
    assert totals["aging_61_90"] == Decimal("0.00")
    assert totals["aging_over_90"] == Decimal("400.00")
    assert totals["overdue"] == Decimal("1699.00")
    assert totals["overdue_customers"] == 3


def test_high_risk_customers_are_the_portfolios_high_and_critical_ones(
    clock, customer_for, mgr_a, mgr_b
):
    clock("2025-06-15 10:00")
    customer_for(mgr_a, risk_level="high")
    customer_for(mgr_a, risk_level="critical")
    customer_for(mgr_a, risk_level="medium")
    customer_for(mgr_a)
    customer_for(mgr_a, risk_level="critical", status="closed")
    customer_for(mgr_b, risk_level="critical")
    june = indicators(mgr_a, JUNE)
    assert (june.high_risk_customers, june.portfolio_customers) == (2, 4)
    assert june.ratios["high_risk_share"] == Decimal("0.5000")


def _register(customer, when):
    complaint, _created = complaint_services.register_complaint(
        customer=customer,
        channel="hotline_95598",
        category="power_quality",
        description="电压波动",
        received_at=when,
        acting_user=SYSTEM,
    )
    return complaint


def _resolve(complaint, manager):
    complaint = complaint_services.acknowledge_complaint(complaint, acting_user=manager)
    complaint = complaint_services.start_complaint(complaint, acting_user=manager)
    return complaint_services.resolve_complaint(complaint, acting_user=manager, **resolution())


def test_complaints_resolved_within_deadline_count_the_assignees_tickets_of_the_month(
    clock, customer_for, mgr_a, mgr_b
):
    mine, theirs = customer_for(mgr_a), customer_for(mgr_b)
    clock("2025-05-06 09:00")
    _resolve(_register(mine, at("2025-05-06", 9)), mgr_a)  # resolved in May: not June's
    clock("2025-06-02 09:00")
    in_time = _register(mine, at("2025-06-02", 9))
    late = _register(mine, at("2025-06-02", 9))
    _resolve(_register(theirs, at("2025-06-02", 9)), mgr_b)
    open_one = _register(mine, at("2025-06-02", 9))
    clock("2025-06-03 10:00")
    _resolve(in_time, mgr_a)
    clock("2025-06-20 10:00")
    sla.check_deadlines()  # `late` and `open_one` miss their deadlines
    _resolve(late, mgr_a)
    june = indicators(mgr_a, JUNE)
    assert (june.complaints_resolved, june.complaints_resolved_in_time) == (2, 1)
    assert june.ratios["complaint_sla"] == Decimal("0.5000")
    assert open_one.pk  # a ticket not resolved counts in neither


def test_visits_done_against_plan_count_visits_made_by_the_due_date(
    clock, customer_for, mgr_a, mgr_b
):
    clock("2025-06-15 10:00")
    on_time, late, missed, cancelled = (customer_for(mgr_a) for _ in range(4))
    for customer in (on_time, late, missed):
        VisitPlanFactory(customer=customer, window_start=MAY, due_date=dt.date(2025, 5, 31))
    VisitPlanFactory(
        customer=cancelled,
        window_start=MAY,
        due_date=dt.date(2025, 5, 31),
        status=VisitPlanStatus.CANCELLED,
    )
    VisitPlanFactory(customer=customer_for(mgr_b), window_start=MAY, due_date=dt.date(2025, 5, 31))
    for customer, day in ((on_time, "2025-05-20"), (late, "2025-06-03")):
        visits.record_visit(
            customer,
            manager=mgr_a,
            visited_at=at(day),
            kind="routine",
            outcome="completed",
            acting_user=SYSTEM,
        )
    may = indicators(mgr_a, MAY)
    assert (may.visits_planned, may.visits_done) == (3, 1)
    assert may.ratios["visit_completion"] == Decimal("0.3333")


def test_average_satisfaction_is_the_mean_of_the_managers_surveys_of_the_month(
    clock, customer_for, mgr_a, mgr_b
):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a)
    scores = (
        "supply_reliability",
        "power_quality",
        "billing",
        "service_attitude",
        "business_handling",
    )
    for day, score, manager in (
        ("2025-06-02", 5, mgr_a),
        ("2025-06-09", 3, mgr_a),
        ("2025-05-20", 1, mgr_a),  # May
        ("2025-06-10", 1, mgr_b),  # someone else's visit
    ):
        visits.record_visit(
            customer,
            manager=manager,
            visited_at=at(day),
            kind="satisfaction_survey",
            outcome="completed",
            survey=dict.fromkeys(scores, score),
            acting_user=SYSTEM,
        )
    june = indicators(mgr_a, JUNE)
    assert (june.surveys, june.satisfaction) == (2, Decimal("4.00"))


def test_the_performance_endpoint_answers_the_same_figures(portfolio, api, mgr_a):
    response = api(mgr_a).get(f"/api/v1/managers/{mgr_a.pk}/performance/?period=2025-05")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "2025-05"
    assert body["source"] == "computed"
    assert body["indicators"]["bills_due"] == "3000.00"
    assert body["indicators"]["collected"] == "1500.00"
    assert body["indicators"]["collection_rate"] == 0.5
    assert body["indicators"]["amount_overdue"] == "1900.00"
    expected = indicators(mgr_a, MAY)
    assert body["score"] == float(expected.score)
    assert body["stars"] == expected.stars


def test_without_a_period_the_endpoint_answers_the_current_month(portfolio, api, mgr_a):
    body = api(mgr_a).get(f"/api/v1/managers/{mgr_a.pk}/performance/").json()
    assert (body["period"], body["source"]) == ("2025-06", "live")


@pytest.mark.parametrize("period", ["2025-13", "june", "2025-07", "1999-01", "2025-6"])
def test_a_bad_period_is_a_400_on_the_period_field(clock, api, mgr_a, period):
    clock("2025-06-15 10:00")
    response = api(mgr_a).get(f"/api/v1/managers/{mgr_a.pk}/performance/?period={period}")
    assert response.status_code == 400
    assert "period" in response.json()


def test_a_manager_sees_only_their_own_performance(clock, api, mgr_a, mgr_b):
    clock("2025-06-15 10:00")
    assert api(mgr_a).get(f"/api/v1/managers/{mgr_a.pk}/performance/").status_code == 200
    assert api(mgr_a).get(f"/api/v1/managers/{mgr_b.pk}/performance/").status_code == 404


def test_a_supervisor_sees_the_managers_of_their_region_only(clock, api, sup_east, mgr_a, mgr_c):
    clock("2025-06-15 10:00")
    assert api(sup_east).get(f"/api/v1/managers/{mgr_a.pk}/performance/").status_code == 200
    assert api(sup_east).get(f"/api/v1/managers/{mgr_c.pk}/performance/").status_code == 404


def test_the_performance_of_a_user_who_is_not_a_manager_is_a_404(clock, api, admin_user, sup_east):
    clock("2025-06-15 10:00")
    assert api(admin_user).get(f"/api/v1/managers/{sup_east.pk}/performance/").status_code == 404


def test_the_performance_endpoint_needs_credentials(clock, api, mgr_a):
    clock("2025-06-15 10:00")
    assert api().get(f"/api/v1/managers/{mgr_a.pk}/performance/").status_code == 401
