"""Disconnection dates on the official calendar: a year whose notice is not entered is never
treated as Monday–Friday (issue 11 §2). "Now" is 2026-12-10; 2027 is not entered."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import disconnections
from billing.models import Disconnection
from tests.billing.conftest import at
from tests.billing.factories import ActionFactory, BillFactory, NoticeFactory

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.fixture
def ready(customer_for, mgr_a, clock):
    """On Thu 2026-12-10: a bill 46 days past due, urged, notice delivered on 12-01."""
    clock("2026-12-10 09:00")
    customer = customer_for(mgr_a)
    BillFactory(
        customer=customer,
        period=D("2026-09-01"),
        issue_date=D("2026-10-05"),
        due_date=D("2026-10-25"),
        total=Decimal("5000.00"),
    )
    ActionFactory(customer=customer, kind="call", at=at("2026-11-05"))
    notice = NoticeFactory(customer=customer, at=at("2026-12-01"))
    return customer, notice


def post(api, user, customer, notice, day: str):
    return api(user).post(
        "/api/v1/disconnections/",
        {"customer": customer.pk, "scheduled_for": day, "notice": notice.pk},
        format="json",
    )


def test_new_years_day_2027_is_refused_as_a_statutory_holiday(api, ready, mgr_a):
    customer, notice = ready
    response = post(api, mgr_a, customer, notice, "2027-01-01")
    assert response.status_code == 400
    assert (response.json()["code"], next(iter(response.json()))) == (
        "public_holiday",
        "scheduled_for",
    )
    assert not Disconnection.objects.exists()


@pytest.mark.parametrize("day", ["2027-01-06", "2027-02-08", "2027-02-10"])
def test_a_working_looking_day_of_2027_is_refused_as_its_calendar_is_missing(
    api, ready, mgr_a, day
):
    customer, notice = ready
    response = post(api, mgr_a, customer, notice, day)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "calendar_missing"
    assert "2027" in body["scheduled_for"][0]
    assert "官方日历" in body["scheduled_for"][0]  # in the request's language (zh-hans)
    assert not Disconnection.objects.exists()


def test_a_weekend_of_2027_is_refused_as_a_rest_day(ready):
    assert disconnections.day_problem(D("2027-01-09")).code == "rest_day"


def test_the_page_gives_the_same_refusal(client, ready, mgr_a):
    customer, _notice = ready
    client.force_login(mgr_a)
    response = client.post(
        reverse("billing:disconnection_request", args=[customer.pk]),
        {"scheduled_for": "2027-01-06", "reason": "多次催缴未果"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["scheduled_for"]
    assert any("2027" in e and "官方日历" in e for e in errors)
    assert not Disconnection.objects.exists()


def test_once_2027_is_entered_its_working_days_are_accepted(api, ready, mgr_a, official_calendar):
    customer, notice = ready
    official_calendar(2027, holidays=[D("2027-02-08"), D("2027-02-09")])
    assert post(api, mgr_a, customer, notice, "2027-02-08").json()["code"] == "public_holiday"
    response = post(api, mgr_a, customer, notice, "2027-01-06")
    assert response.status_code == 201, response.json()
    assert Disconnection.objects.get().scheduled_for == D("2027-01-06")
