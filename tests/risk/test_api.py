"""The risk endpoints of API.md end to end: codes, fields, scoping and permissions."""

import datetime as dt

import pytest
from django.utils import timezone

from risk.models import RiskOverride, RiskScan
from tests.risk.factories import promise

pytestmark = pytest.mark.django_db

SCANS = "/api/v1/risk-scans/"


def risk_url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/risk/"


def override_url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/risk-override/"


@pytest.mark.parametrize("who", ["sup_east", "admin_user"])
def test_starting_a_scan_answers_202_and_the_scan_can_be_polled_to_done(
    request, who, customer_for, mgr_a, django_capture_on_commit_callbacks, api
):
    customer_for(mgr_a)
    client = api(request.getfixturevalue(who))

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(SCANS)

    assert started.status_code == 202
    assert started.data["status"] == "queued"
    polled = client.get(f"{SCANS}{started.data['id']}/")
    assert polled.status_code == 200
    assert polled.data["status"] == "done"
    assert polled.data["customers_scanned"] == 1
    assert polled.data["levels"] == {"low": 1, "medium": 0, "high": 0, "critical": 0}
    assert polled.data["started_at"] and polled.data["finished_at"]


def test_a_second_scan_while_one_is_under_way_is_refused_with_409(sup_east, api):
    client = api(sup_east)
    first = client.post(SCANS)

    second = client.post(SCANS)

    assert second.status_code == 409
    assert second.data["code"] == "scan_running"
    assert second.data["scan"] == {"id": first.data["id"], "status": "queued"}
    assert RiskScan.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "status"), [("mgr_a", 403), ("auditor", 403), ("integration", 403), (None, 401)]
)
def test_who_may_not_start_a_scan(request, api, who, status):
    user = request.getfixturevalue(who) if who else None

    assert api(user).post(SCANS).status_code == status
    assert not RiskScan.objects.exists()


def test_managers_do_not_see_scans_but_auditors_do(mgr_a, auditor, api):
    scan = RiskScan.objects.create(trigger="api")

    assert api(mgr_a).get(f"{SCANS}{scan.pk}/").status_code == 403
    assert api(auditor).get(f"{SCANS}{scan.pk}/").status_code == 200
    assert api(auditor).get(f"{SCANS}999999/").status_code == 404


def test_the_customer_risk_history_is_paginated_newest_first(customer_for, mgr_a, clock, scan, api):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    first = scan()
    promise(customer, due="2025-05-10")
    clock("2025-06-03")
    second = scan()

    answer = api(mgr_a).get(risk_url(customer), {"page_size": 1})

    assert answer.status_code == 200
    assert answer.data["count"] == 2
    latest = answer.data["results"][0]
    assert latest["scan"] == second.pk
    assert latest["score"] == 10
    assert latest["level"] == "low"
    assert latest["reasons"] == [{"factor": "broken_promises", "value": 1, "points": 10}]
    assert dt.datetime.fromisoformat(latest["scanned_at"]).utcoffset() == dt.timedelta(hours=8)
    older = api(mgr_a).get(answer.data["next"]).data["results"][0]
    assert older["scan"] == first.pk


def test_the_risk_history_runs_a_fixed_number_of_queries(
    customer_for, mgr_a, clock, scan, api, django_assert_max_num_queries
):
    customer = customer_for(mgr_a)
    for day in range(2, 8):
        clock(f"2025-06-0{day}")
        scan()

    with django_assert_max_num_queries(6):
        answer = api(mgr_a).get(risk_url(customer))

    assert answer.data["count"] == 6


def test_a_running_scans_results_are_not_listed(customer_for, mgr_a, clock, scan, api):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    done = scan()
    RiskScan.objects.filter(pk=done.pk).update(status="running")

    assert api(mgr_a).get(risk_url(customer)).data["count"] == 0


def test_another_managers_customer_is_404(customer_for, mgr_a, mgr_b, api):
    customer = customer_for(mgr_b)

    assert api(mgr_a).get(risk_url(customer)).status_code == 404
    assert (
        api(mgr_a).post(override_url(customer), {"level": "low", "reason": "x"}).status_code == 404
    )
    assert not RiskOverride.objects.exists()


@pytest.mark.parametrize("who", ["mgr_a", "sup_east", "admin_user"])
def test_the_manager_or_a_supervisor_overrides_the_level(
    request, who, customer_for, mgr_a, clock, api
):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    expires = "2025-06-20T18:00:00+08:00"

    answer = api(request.getfixturevalue(who)).post(
        override_url(customer), {"level": "high", "reason": "经营异常", "expires_at": expires}
    )

    assert answer.status_code == 201
    assert answer.data["level"] == "high"
    assert dt.datetime.fromisoformat(answer.data["expires_at"]) == dt.datetime.fromisoformat(
        expires
    )
    shown = api(mgr_a).get(f"/api/v1/customers/{customer.pk}/")
    assert shown.data["risk_level"] == "high"
    listed = api(mgr_a).get(override_url(customer))
    assert [o["reason"] for o in listed.data["results"]] == ["经营异常"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": "severe", "reason": "x"}, "level"),
        ({"level": "high"}, "reason"),
        ({"level": "high", "reason": "   "}, "reason"),
        ({"level": "high", "reason": "x", "expires_at": "2025-06-01T10:00:00+08:00"}, "expires_at"),
        ({"level": "high", "reason": "x", "expires_at": "2026-06-01T10:00:00+08:00"}, "expires_at"),
        ({"level": "high", "reason": "x", "expires_at": "tomorrow"}, "expires_at"),
        ({"level": "high", "reason": "x", "expires_at": "9999-12-31T23:59:59-12:00"}, "expires_at"),
        ({"level": ["high"], "reason": {"a": 1}}, "level"),
    ],
)
def test_a_bad_override_answers_400_on_its_field(customer_for, mgr_a, clock, api, body, field):
    clock("2025-06-02")
    customer = customer_for(mgr_a)

    answer = api(mgr_a).post(override_url(customer), body, format="json")

    assert answer.status_code == 400
    assert field in answer.data
    assert not RiskOverride.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("auditor", 403), ("integration", 403)])
def test_who_may_not_override(request, customer_for, mgr_a, api, who, status):
    customer = customer_for(mgr_a)

    answer = api(request.getfixturevalue(who)).post(
        override_url(customer), {"level": "low", "reason": "x"}
    )

    assert answer.status_code == status


def test_the_override_history_keeps_replaced_overrides(customer_for, mgr_a, sup_east, api, clock):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    api(mgr_a).post(override_url(customer), {"level": "high", "reason": "甲"})
    api(sup_east).post(override_url(customer), {"level": "low", "reason": "乙"})

    rows = api(sup_east).get(override_url(customer)).data["results"]

    assert [(r["reason"], r["end_reason"]) for r in rows] == [("乙", None), ("甲", "replaced")]
    assert (
        rows[0]["expires_at"]
        == (timezone.now() + dt.timedelta(days=30))
        .astimezone(timezone.get_current_timezone())
        .isoformat()
    )
