"""The customer 360 timeline across every part: ordering, kinds, pagination, query count."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts_manager.services import raise_followup
from common.actors import SYSTEM
from complaints import services as complaint_services
from customers.timeline import timeline_kinds
from outages.models import Notification
from risk.models import RiskAssessment, RiskOverride, RiskScan
from tests.billing.factories import ActionFactory, PromiseFactory
from tests.complaints.conftest import resolution
from tests.dashboards.conftest import at
from tests.factories import ContactFactory
from tests.outages.factories import approved_outage
from visits import services as visits

pytestmark = pytest.mark.django_db

EVERY_KIND = {
    "change",
    "assignment",
    "followup",
    "bill",
    "payment",
    "collection",
    "promise",
    "risk",
    "outage",
    "outage_notice",
    "complaint",
    "visit",
}


def add_visit(customer, manager, day, hour=9):
    return visits.record_visit(
        customer,
        manager=manager,
        visited_at=at(day, hour),
        kind="routine",
        outcome="completed",
        notes="巡视配电房",
        acting_user=SYSTEM,
    )


@pytest.fixture
def story(clock, bill, pay, customer_for, mgr_a, sup_east, feeder_east):
    """One customer with something from every part, on different days."""
    clock("2025-05-01 09:00")
    customer = customer_for(mgr_a, importance="level1", name="时间线测试公司")
    contact = ContactFactory(customer=customer)
    clock("2025-05-02 09:00")
    bill(customer, 1000, due="2025-05-20", issued="2025-05-02")
    clock("2025-05-10 09:00")
    pay(customer, 400)
    clock("2025-05-21 09:00")
    ActionFactory(customer=customer, at=at("2025-05-21", 9))
    PromiseFactory(customer=customer, due_date=dt.date(2025, 5, 28))
    clock("2025-05-22 03:00")
    scan = RiskScan.objects.create(
        status="done", trigger="schedule", finished_at=at("2025-05-22", 3)
    )
    RiskAssessment.objects.create(
        scan=scan,
        customer=customer,
        scanned_at=at("2025-05-22", 2),
        score=65,
        level="high",
        previous_level="medium",
        rose=True,
    )
    raise_followup(
        customer, kind="risk", source=f"risk:{scan.pk}", summary="风险升高", due_at=at("2025-05-23")
    )
    clock("2025-05-23 10:00")
    RiskOverride.objects.create(
        customer=customer,
        level="medium",
        reason="已承诺付款",
        expires_at=at("2025-06-23"),
        set_by=mgr_a,
    )
    clock("2025-05-24 10:00")
    outage = approved_outage(sup_east, [feeder_east], start=at("2025-06-05", 8))
    Notification.objects.create(
        outage=outage,
        customer=customer,
        contact=contact,
        channel="sms",
        address=contact.mobile,
        kind="notice",
        status="delivered",
        sent_at=at("2025-05-24", 11),
    )
    clock("2025-05-26 09:00")
    complaint, _created = complaint_services.register_complaint(
        customer=customer,
        channel="counter",
        category="power_quality",
        description="电压低",
        received_at=at("2025-05-26", 9),
        acting_user=SYSTEM,
    )
    clock("2025-05-27 09:00")
    complaint = complaint_services.acknowledge_complaint(complaint, acting_user=mgr_a)
    complaint_services.resolve_complaint(complaint, acting_user=mgr_a, **resolution())
    clock("2025-05-28 09:00")
    add_visit(customer, mgr_a, "2025-05-28")
    clock("2025-06-01 09:00")
    return customer


def timeline(api, user, customer, query=""):
    response = api(user).get(f"/api/v1/customers/{customer.pk}/timeline/{query}")
    assert response.status_code == 200, response.json()
    return response.json()


def test_every_part_has_a_provider():
    assert EVERY_KIND | {"disconnection"} <= {kind for kind, _label in timeline_kinds()}


def test_the_timeline_holds_every_part_newest_first(story, api, mgr_a):
    body = timeline(api, mgr_a, story, "?page_size=500")
    entries = body["results"]
    assert {e["kind"] for e in entries} == EVERY_KIND
    moments = [dt.datetime.fromisoformat(e["at"]) for e in entries]
    assert moments == sorted(moments, reverse=True)
    assert entries[0]["kind"] == "visit"
    assert "巡视配电房" in entries[0]["summary"]
    assert entries[0]["ref"].startswith("visit:")


def test_the_timeline_filters_by_kind(story, api, mgr_a):
    only_visits = timeline(api, mgr_a, story, "?kind=visit")["results"]
    assert [e["kind"] for e in only_visits] == ["visit"]
    two = timeline(api, mgr_a, story, "?kind=visit&kind=risk")["results"]
    assert {e["kind"] for e in two} == {"visit", "risk"}
    assert len(two) == 3  # the visit, the level change and the override


def test_the_timeline_is_paginated(story, api, mgr_a):
    everything = timeline(api, mgr_a, story, "?page_size=500")
    first = timeline(api, mgr_a, story, "?page_size=4")
    second = timeline(api, mgr_a, story, "?page_size=4&page=2")
    assert first["count"] == everything["count"]
    assert first["next"] and len(first["results"]) == 4
    assert first["results"] + second["results"] == everything["results"][:8]


def test_the_timeline_runs_a_fixed_number_of_queries(
    story, clock, bill, mgr_a, api, django_assert_max_num_queries
):
    client = api(mgr_a)
    client.get(f"/api/v1/customers/{story.pk}/timeline/")  # the role is looked up once
    with django_assert_max_num_queries(4) as few:
        client.get(f"/api/v1/customers/{story.pk}/timeline/")
    clock("2025-06-15 10:00")
    for day in range(2, 12):
        add_visit(story, mgr_a, f"2025-06-{day:02d}")
    for month in range(7, 12):
        bill(story, 100, due=f"2025-{month:02d}-20", issued=f"2025-{month:02d}-01")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(f"/api/v1/customers/{story.pk}/timeline/?page_size=100").json()
    assert body["count"] > 30


def test_the_customer_page_pane_shows_the_same_entries_and_filters_by_kind(
    story, client, api, mgr_a
):
    client.force_login(mgr_a)
    url = reverse("customers:timeline", args=[story.pk])
    pane = client.get(url + "?kind=visit")
    assert pane.status_code == 200
    assert [e["tl_kind"] for e in pane.context["entries"]] == ["visit"]
    everything = client.get(url).context["entries"]
    from_api = timeline(api, mgr_a, story, "?page_size=20")["results"]
    assert [e["tl_ref"] for e in everything] == [e["ref"] for e in from_api]


def test_another_portfolios_timeline_is_not_found(story, api, mgr_b):
    response = api(mgr_b).get(f"/api/v1/customers/{story.pk}/timeline/")
    assert response.status_code == 404
