"""The aging buckets are defined once (billing.selectors.AGING_BUCKETS): the arrears API
filter, the arrears page filter, the rows' aging amounts and the performance figures put a bill
30/31, 60/61 and 90/91 days past due on the same side of each boundary."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboards import summaries
from tests.billing.factories import BillFactory, month

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 3)
DAYS = (0, 1, 30, 31, 60, 61, 90, 91)
BUCKET_OF = {
    0: None,  # due today: not past due
    1: "1_30",
    30: "1_30",
    31: "31_60",
    60: "31_60",
    61: "61_90",
    90: "61_90",
    91: "over_90",
}
BUCKETS = ("1_30", "31_60", "61_90", "over_90")


@pytest.fixture
def by_days(clock, customer_for, mgr_a):
    """One customer per number of days past due, each with one open bill of 100.00."""
    clock("2025-06-03 09:00")
    customers = {}
    for days in DAYS:
        customer = customer_for(mgr_a)
        due = TODAY - dt.timedelta(days=days)
        period = due - dt.timedelta(days=35)
        BillFactory(
            customer=customer,
            period=month(f"{period.year}-{period.month:02d}"),
            issue_date=due - dt.timedelta(days=20),
            due_date=due,
            total=Decimal("100.00"),
        )
        customers[days] = customer.pk
    return customers


def expected(by_days, key):
    return sorted(by_days[d] for d in DAYS if BUCKET_OF[d] == key)


@pytest.mark.parametrize("key", BUCKETS)
def test_api_filter_puts_each_boundary_day_in_its_bucket(by_days, api, mgr_a, key):
    answer = api(mgr_a).get("/api/v1/arrears/", {"aging": key, "page_size": 50}).json()
    assert sorted(r["customer"] for r in answer["results"]) == expected(by_days, key)


@pytest.mark.parametrize("key", BUCKETS)
def test_page_filter_puts_each_boundary_day_in_its_bucket(by_days, client, mgr_a, key):
    client.force_login(mgr_a)
    rows = client.get(reverse("billing:arrears"), {"aging": key}).context["rows"]
    assert sorted(r.customer_id for r in rows) == expected(by_days, key)


def test_row_amounts_and_performance_figures_use_the_same_buckets(by_days, api, mgr_a):
    rows = {r["customer"]: r for r in api(mgr_a).get("/api/v1/arrears/").json()["results"]}
    figures = {r["customer_id"]: r for r in summaries.overdue_by_customer(TODAY)}
    for days in DAYS:
        pk, bucket = by_days[days], BUCKET_OF[days]
        if bucket is None:
            assert pk not in rows and pk not in figures
            continue
        assert rows[pk]["aging"] == {k: "100.00" if k == bucket else "0.00" for k in BUCKETS}, days
        assert {k: figures[pk][f"aging_{k}"] for k in BUCKETS} == {
            k: Decimal("100.00") if k == bucket else 0 for k in BUCKETS
        }, days
