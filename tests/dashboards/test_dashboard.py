"""The supervisors' dashboard: its figures on hand-built data, the API answering the same,
scoping, bad input, query counts and exports."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.renderers import JSONRenderer

from common.actors import SYSTEM
from complaints import closure as complaint_services_closure
from complaints import services as complaint_services
from dashboards import performance, summaries
from dashboards.api.serializers import DashboardSerializer
from outages.models import Notification
from risk.models import RiskAssessment, RiskScan
from tests.broker import broker_down as broker_down_fixture
from tests.complaints.conftest import resolution
from tests.dashboards.conftest import at
from tests.factories import (
    AssignmentFactory,
    ContactFactory,
    CustomerFactory,
    FeederFactory,
    SubstationFactory,
    SupplyPointFactory,
    UserFactory,
)
from tests.outages.factories import approved_outage

broker_down = broker_down_fixture

pytestmark = pytest.mark.django_db

TODAY = "2025-06-16"


def register(customer, when):
    complaint, _created = complaint_services.register_complaint(
        customer=customer,
        channel="hotline_95598",
        category="billing",
        description="电费有误",
        received_at=when,
        acting_user=SYSTEM,
    )
    return complaint


def close(complaint, manager, callback_by, satisfaction):
    complaint = complaint_services.acknowledge_complaint(complaint, acting_user=manager)
    complaint = complaint_services.resolve_complaint(complaint, acting_user=manager, **resolution())
    return complaint_services_closure.record_callback(
        complaint, acting_user=callback_by, satisfaction=satisfaction, solved=True
    )


def scan(finished: str, rows):
    """A finished risk scan with (customer, level, previous level) rows."""
    done = RiskScan.objects.create(
        status="done", trigger="schedule", started_at=at(finished, 2), finished_at=at(finished, 3)
    )
    RiskAssessment.objects.bulk_create(
        RiskAssessment(
            scan=done,
            customer=customer,
            scanned_at=at(finished, 2),
            score=50,
            level=level,
            previous_level=previous,
        )
        for customer, level, previous in rows
    )
    return done


@pytest.fixture
def world(clock, bill, pay, customer_for, mgr_a, mgr_b, mgr_c, sup_east, feeder_east, west):
    """East: customers of mgr_a and mgr_b with arrears, risk, complaints and an outage;
    west: one customer of mgr_c with arrears (to show the region filter at work)."""
    clock("2025-06-01 09:00")
    big = customer_for(mgr_a, risk_level="critical", importance="level1", name="东区钢厂")
    small = customer_for(mgr_a, risk_level="high", name="东区商场")
    calm = customer_for(mgr_b, risk_level="low", name="东区医院")
    west_feeder = FeederFactory(substation=SubstationFactory(region=west), region=west)
    far = CustomerFactory(region=west, risk_level="medium", name="西区水厂")
    SupplyPointFactory(customer=far, feeder=west_feeder)
    AssignmentFactory(customer=far, manager=mgr_c)
    bill(big, 5000, due="2025-05-20")  # May: due 5000, paid 2000 by 31 May
    bill(calm, 1000, due="2025-05-25")  # paid in full in May
    bill(small, 800, due="2025-06-05")  # June: due so far 800 + 1200, 1200 paid
    bill(calm, 1200, due="2025-06-08", period="2025-05")
    bill(big, 3000, due="2025-06-28", issued="2025-06-03")  # June, not due yet
    bill(far, 700, due="2025-04-30")
    clock("2025-06-16 10:00")
    pay(big, 2000, day="2025-05-30")
    pay(calm, 1000, day="2025-05-24")
    pay(calm, 1200, day="2025-06-07")
    # Risk: the previous scan and the last one (small rose, calm fell, big new).
    scan("2025-06-08", [(small, "medium", None), (calm, "medium", None)])
    last = scan(
        "2025-06-15",
        [
            (big, "critical", None),
            (small, "high", "medium"),
            (calm, "low", "medium"),
            (far, "medium", "medium"),
        ],
    )
    # Complaints: two closed this month (satisfaction 5 and 3), one repeat still open, one
    # received 23 hours ago and not yet acknowledged (its contact deadline is near).
    clock("2025-06-02 09:00")
    first = register(big, at("2025-06-02", 9))
    close(first, mgr_a, sup_east, 5)
    other = register(calm, at("2025-06-02", 9))
    close(other, mgr_b, sup_east, 3)
    clock("2025-06-03 09:00")
    register(big, at("2025-06-03", 9))  # a repeat of `first`
    clock("2025-06-15 11:00")
    near = register(small, at("2025-06-15", 11))
    # An approved outage on the east feeder, 10 days ahead: notices reached two customers.
    clock(f"{TODAY} 10:00")
    for customer in (big, small, calm):
        ContactFactory(customer=customer)
    outage = approved_outage(sup_east, [feeder_east], start=at("2025-06-26", 8))
    for customer, status in ((big, "delivered"), (small, "sent")):
        contact = customer.contacts.first()
        Notification.objects.create(
            outage=outage,
            customer=customer,
            contact=contact,
            channel="sms",
            address=contact.mobile,
            kind="notice",
            status=status,
        )
    return {
        "big": big,
        "small": small,
        "calm": calm,
        "far": far,
        "scan": last,
        "near": near,
        "outage": outage,
    }


def dashboard(api, user, query=""):
    response = api(user).get(f"/api/v1/dashboard/{query}")
    assert response.status_code == 200, response.json()
    return response.json()


def test_arrears_and_collection_of_the_supervisors_region(world, api, sup_east):
    body = dashboard(api, sup_east)
    arrears = body["arrears"]
    assert (body["region"], body["period"], body["as_of"]) == ("EAST", "2025-06", TODAY)
    assert arrears["total"] == "3800.00"  # 3000 of May's 5000 + 800 due 5 June
    assert arrears["aging"] == {
        "1_30": "3800.00",
        "31_60": "0.00",
        "61_90": "0.00",
        "over_90": "0.00",
    }
    assert arrears["customers"] == 2
    assert (arrears["bills_due"], arrears["collected"]) == ("2000.00", "1200.00")
    assert arrears["collection_rate"] == 0.6
    assert arrears["billed"] == "5000.00"
    assert (arrears["bills_due_previous"], arrears["collected_previous"]) == ("6000.00", "3000.00")
    assert arrears["collection_rate_previous"] == 0.5
    assert [d["name"] for d in arrears["top_debtors"]] == ["东区钢厂", "东区商场"]
    assert arrears["top_debtors"][0]["overdue"] == "3000.00"
    assert arrears["top_debtors"][0]["days_past_due"] == 27


def test_risk_levels_and_their_movement_with_the_last_scan(world, api, sup_east):
    body = dashboard(api, sup_east)
    assert body["risk"] == {"low": 1, "medium": 0, "high": 1, "critical": 1}
    movement = body["risk_movement"]
    assert movement["scan"] == world["scan"].pk
    assert (movement["up"], movement["down"], movement["new"]) == (1, 1, 1)
    assert {(c["from"], c["to"], c["customers"]) for c in movement["changes"]} == {
        (None, "critical", 1),
        ("medium", "high", 1),
        ("medium", "low", 1),
    }


def test_complaint_figures(world, api, sup_east):
    complaints = dashboard(api, sup_east)["complaints"]
    assert complaints["received"] == 4
    assert complaints["open"] == {
        "new": 2,
        "acknowledged": 0,
        "in_progress": 0,
        "resolved": 0,
        "reopened": 0,
    }
    assert complaints["open_total"] == 2
    assert complaints["sla_compliance"] == 1.0  # the two closed ones were in time
    assert complaints["repeat_rate"] == 0.25
    assert complaints["satisfaction"] == 4.0
    assert complaints["callbacks"] == 2
    assert [t["id"] for t in complaints["near_breach"]] == [world["near"].pk]
    assert complaints["near_breach"][0]["deadline"] == "contact"


def test_upcoming_outages_with_their_notice_coverage(world, api, sup_east):
    outages = dashboard(api, sup_east)["outages"]
    assert [o["id"] for o in outages["upcoming"]] == [world["outage"].pk]
    assert outages["upcoming"][0]["coverage"] == {
        "affected": 3,
        "notified": 2,
        "delivered": 1,
        "confirmed": 0,
        "unreachable": 0,
        "important_unconfirmed": 1,  # 东区钢厂 is level 1 and nobody confirmed by phone
    }
    assert outages["important_unconfirmed"] == 1


def test_managers_with_their_indicators_and_stars(world, api, sup_east, mgr_a, mgr_b):
    managers = dashboard(api, sup_east)["managers"]
    assert {m["id"] for m in managers} == {mgr_a.pk, mgr_b.pk}
    by_id = {m["id"]: m for m in managers}
    assert by_id[mgr_b.pk]["indicators"]["collection_rate"] == 1.0
    assert by_id[mgr_a.pk]["indicators"]["high_risk_customers"] == 2
    assert by_id[mgr_a.pk]["indicators"]["amount_overdue"] == "3800.00"
    expected = performance.manager_indicators([mgr_a.pk], dt.date(2025, 6, 1))[mgr_a.pk]
    assert by_id[mgr_a.pk]["stars"] == expected.stars
    assert managers[0]["score"] >= managers[-1]["score"]  # best first


def test_the_page_shows_the_numbers_the_api_answers(world, api, client, sup_east):
    client.force_login(sup_east)
    page = client.get(reverse("dashboards:index"))
    assert page.status_code == 200
    rendered = DashboardSerializer(page.context["figures"]).data
    assert dashboard(api, sup_east) == _json(rendered)
    html = page.content.decode()
    assert "¥3,800.00" in html
    assert "60.0%" in html


def _json(data):
    return json.loads(JSONRenderer().render(data))


def test_an_administrator_filters_on_a_region(world, api, admin_user):
    everything = dashboard(api, admin_user)
    west = dashboard(api, admin_user, "?region=WEST")
    assert everything["region"] is None
    assert everything["arrears"]["total"] == "4500.00"
    assert west["arrears"]["total"] == "700.00"
    assert west["risk"] == {"low": 0, "medium": 1, "high": 0, "critical": 0}
    assert west["outages"]["upcoming"] == []


def test_a_past_month_is_taken_as_of_its_last_day(world, api, sup_east):
    may = dashboard(api, sup_east, "?period=2025-05")
    assert may["as_of"] == "2025-05-31"
    assert may["arrears"]["total"] == "3000.00"
    assert may["arrears"]["collection_rate"] == 0.5
    assert may["risk"] == {"low": 0, "medium": 0, "high": 0, "critical": 0}  # no scan in May
    assert may["complaints"]["received"] == 0
    assert may["complaints"]["near_breach"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?period=2025-13", "period"),
        ("?period=2025-07", "period"),
        ("?region=WEST", "region"),
        ("?region=NOWHERE", "region"),
        ("?period=x&region=y", "period"),
    ],
)
def test_bad_filters_are_a_400_on_their_field(clock, api, sup_east, west, query, field):
    clock(f"{TODAY} 10:00")
    response = api(sup_east).get(f"/api/v1/dashboard/{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_managers_have_no_dashboard(clock, api, client, mgr_a):
    clock(f"{TODAY} 10:00")
    assert api(mgr_a).get("/api/v1/dashboard/").status_code == 403
    client.force_login(mgr_a)
    assert client.get(reverse("dashboards:index")).status_code == 403


def test_the_page_shows_a_bad_month_with_a_400(clock, client, sup_east):
    clock(f"{TODAY} 10:00")
    client.force_login(sup_east)
    response = client.get(reverse("dashboards:index") + "?period=2031-01")
    assert response.status_code == 400
    assert response.context["form"].errors["period"]


def _more_rows(n, clock, bill, customer_for, east, sup_east):
    """n more managers, each with a customer in arrears, a complaint near breach, and
    an outage of their own feeder."""
    for i in range(n):
        manager = UserFactory(username=f"extra{i}", region=east, role="account_manager")
        customer = customer_for(manager, importance="special")
        feeder = FeederFactory(substation=SubstationFactory(region=east), region=east)
        SupplyPointFactory(customer=customer, feeder=feeder, is_primary=False)
        bill(customer, 100 + i, due="2025-06-01")
        ContactFactory(customer=customer)
        clock("2025-06-15 12:00")
        register(customer, at("2025-06-15", 12))
        clock(f"{TODAY} 10:00")
        approved_outage(sup_east, [feeder], start=at("2025-06-27", 8))


def test_the_dashboard_runs_a_fixed_number_of_queries(
    world, clock, bill, customer_for, east, sup_east, api, django_assert_max_num_queries
):
    client = api(sup_east)
    client.get("/api/v1/dashboard/")  # the summary is computed on the first view
    with django_assert_max_num_queries(24) as few:
        client.get("/api/v1/dashboard/")
    _more_rows(4, clock, bill, customer_for, east, sup_east)
    summaries.refresh_portfolio_summary(dt.date(2025, 6, 1))
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        body = client.get("/api/v1/dashboard/").json()
    assert len(body["managers"]) == 6
    assert len(body["outages"]["upcoming"]) == 5
    assert body["complaints"]["near_breach_count"] == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_page_runs_a_fixed_number_of_queries(
    world, clock, bill, customer_for, east, sup_east, client, django_assert_max_num_queries
):
    client.force_login(sup_east)
    client.get(reverse("dashboards:index"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("dashboards:index"))
    _more_rows(3, clock, bill, customer_for, east, sup_east)
    summaries.refresh_portfolio_summary(dt.date(2025, 6, 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("dashboards:index"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_tables_hold_the_rows_of_the_page(world, client, sup_east, fmt):
    client.force_login(sup_east)
    figures = client.get(reverse("dashboards:index")).context["figures"]
    expected = {
        "top_debtors": [[d["account_no"], d["name"]] for d in figures["arrears"]["top_debtors"]],
        "managers": [[m["name"], m["employee_no"]] for m in figures["managers"]],
        "outages": [[o["reference"]] for o in figures["outages"]["upcoming"]],
        "near_breach": [[t["ticket_no"]] for t in figures["complaints"]["near_breach"]],
    }
    for table, rows in expected.items():
        response = client.get(reverse("dashboards:export", args=[table, fmt]))
        assert response.status_code == 200
        data = _read(response, fmt)
        assert len(data) == len(rows) + 1  # the header and one line per row
        assert [line[: len(row)] for line, row in zip(data[1:], rows, strict=True)] == rows
    aging = _read(client.get(reverse("dashboards:export", args=["aging", fmt])), fmt)
    assert [str(cell) for cell in aging[-1]][1] in ("3800.00", "3800")


def _read(response, fmt):
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))
    book = load_workbook(io.BytesIO(response.content))
    return [
        [("" if v is None else v) for v in row] for row in book.active.iter_rows(values_only=True)
    ]


def test_an_unknown_table_or_format_is_not_found(clock, client, sup_east):
    clock(f"{TODAY} 10:00")
    client.force_login(sup_east)
    assert client.get(reverse("dashboards:export", args=["salaries", "csv"])).status_code == 404
    assert client.get(reverse("dashboards:export", args=["aging", "pdf"])).status_code == 404


def test_a_stale_summary_is_refreshed_when_read(world, clock, pay, api, sup_east):
    dashboard(api, sup_east)
    clock("2025-06-16 10:20")
    pay(world["small"], 800)
    assert dashboard(api, sup_east)["arrears"]["total"] == "3800.00"  # within 30 minutes
    clock("2025-06-16 10:31")
    assert dashboard(api, sup_east)["arrears"]["total"] == "3000.00"


def test_refresh_now_recomputes_the_figures(
    world, clock, pay, client, sup_east, django_capture_on_commit_callbacks
):
    client.force_login(sup_east)
    client.get(reverse("dashboards:index"))
    clock("2025-06-16 10:05")
    pay(world["small"], 800)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboards:refresh") + "?period=2025-06")
    assert response.status_code == 302
    totals = summaries.summary_totals([dt.date(2025, 6, 1)])[dt.date(2025, 6, 1)]
    assert totals["overdue"] == Decimal("3700.00")  # 3000 in the east + 700 in the west


def test_the_league_table_and_a_managers_page(world, client, sup_east, mgr_a, mgr_c):
    client.force_login(sup_east)
    league = client.get(reverse("dashboards:league"))
    assert league.status_code == 200
    assert [r["id"] for r in league.context["rows"]] == [
        r["id"] for r in client.get(reverse("dashboards:index")).context["figures"]["managers"]
    ]
    page = client.get(reverse("dashboards:manager", args=[mgr_a.pk]))
    assert page.status_code == 200
    assert len(page.context["trend"]) == 12
    assert client.get(reverse("dashboards:manager", args=[mgr_c.pk])).status_code == 404
    export = client.get(reverse("dashboards:manager", args=[mgr_a.pk]) + "?export=xlsx")
    rows = _read(export, "xlsx")
    assert len(rows) == 13
    assert rows[-1][0] == "2025-06"


def test_a_manager_sees_their_own_performance_page_only(world, client, mgr_a, mgr_b):
    client.force_login(mgr_a)
    assert client.get(reverse("dashboards:manager", args=[mgr_a.pk])).status_code == 200
    assert client.get(reverse("dashboards:manager", args=[mgr_b.pk])).status_code == 404
    assert client.get(reverse("dashboards:league")).status_code == 403


def test_refresh_with_the_broker_down_redirects_and_runs_once_the_broker_is_back(
    world, clock, pay, client, sup_east, broker_down, django_capture_on_commit_callbacks
):
    from common import outbox
    from dashboards.tasks import refresh_dashboard_summary

    client.force_login(sup_east)
    client.get(reverse("dashboards:index"))
    clock("2025-06-16 10:05")
    pay(world["small"], 800)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboards:refresh") + "?period=2025-06")
    assert response.status_code == 302
    assert outbox.waiting(refresh_dashboard_summary, "2025-06")

    broker_down.restore()
    assert outbox.drain() == 1
    totals = summaries.summary_totals([dt.date(2025, 6, 1)])[dt.date(2025, 6, 1)]
    assert totals["overdue"] == Decimal("3700.00")
