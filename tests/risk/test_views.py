"""The risk pages: overview with "scan now" and progress, high-risk list, customer tab."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from risk.models import RiskOverride, RiskScan
from risk.rules import describe_reason
from tests.risk.factories import promise

pytestmark = pytest.mark.django_db

BANDS = {"broken_promises": [(1, 30), (2, 60), (3, 80)]}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def simple_rules(settings):
    settings.RISK_FACTOR_BANDS = BANDS


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


THREE_BROKEN = {"factor": "broken_promises", "value": 3, "points": 80}


def broken(customer, n: int) -> None:
    for day in range(n):
        promise(customer, due=f"2025-05-{10 + day}")


@pytest.fixture
def portfolio(customer_for, mgr_a, mgr_b, clock, scan):
    """Six customers of mgr_a and mgr_b at every level, scanned twice."""
    clock("2025-06-02")
    customers = [customer_for(mgr_a if n % 2 else mgr_b, name=f"风险客户{n}") for n in range(6)]
    scan()
    for n, customer in enumerate(customers):
        broken(customer, n % 4)
    clock("2025-06-03")
    scan()
    return customers


def test_the_overview_shows_levels_movements_risers_and_scans(
    client, sup_east, portfolio, django_assert_max_num_queries
):
    client.force_login(sup_east)

    with django_assert_max_num_queries(14):
        page = client.get(reverse("risk:overview"))

    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["distribution"] == {
        "low": 2,
        "medium": 2,
        "high": 1,
        "critical": 1,
        "none": 0,
    }
    assert {(m["previous_level"], m["shown"], m["n"]) for m in page.context["movements"]} == {
        ("low", "medium", 2),
        ("low", "high", 1),
        ("low", "critical", 1),
    }
    assert [r["assessment"].customer.name for r in page.context["risers"]] == [
        "风险客户3",
        "风险客户2",
    ]
    assert len(page.context["scans"]) == 2
    assert "echarts.min.js" in html
    assert 'data-testid="scan-now"' in html


def test_a_manager_is_sent_to_their_high_risk_customers(client, mgr_a, portfolio):
    client.force_login(mgr_a)

    page = client.get(reverse("risk:overview"), follow=True)

    assert page.redirect_chain[-1][0] == reverse("risk:customers")
    names = [row["customer"].name for row in page.context["rows"]]
    assert names == ["风险客户3"]  # mgr_b's critical 风险客户2 is not theirs


def test_the_high_risk_list_runs_a_fixed_number_of_queries(
    client, sup_east, portfolio, customer_for, mgr_a, clock, scan, django_assert_max_num_queries
):
    for n in range(5):
        broken(customer_for(mgr_a, name=f"高风险{n}"), 3)
    clock("2025-06-04")
    scan()
    client.force_login(sup_east)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("risk:customers"))

    rows = page.context["rows"]
    assert len(rows) == 7
    assert rows[0]["reasons"][0]["text"] == describe_reason(THREE_BROKEN)
    assert chinese(rows[0]["reasons"][0]["text"])
    assert rows[0]["customer"].manager_name


def test_scan_now_starts_one_scan_and_refuses_a_second(client, sup_east):
    client.force_login(sup_east)

    first = client.post(reverse("risk:scan_start"), follow=True)
    second = client.post(reverse("risk:scan_start"), follow=True)

    assert RiskScan.objects.get().trigger == "page"
    assert [m.level_tag for m in first.context["messages"]] == ["success"]
    assert [m.level_tag for m in second.context["messages"]] == ["warning"]
    assert chinese(next(str(m) for m in second.context["messages"]))
    assert 'data-testid="scan-progress"' in second.content.decode()


def test_scan_now_runs_the_scan_through_the_task(
    client, sup_east, customer_for, mgr_a, django_capture_on_commit_callbacks
):
    customer_for(mgr_a)
    client.force_login(sup_east)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("risk:scan_start"))

    assert RiskScan.objects.get().status == "done"


@pytest.mark.parametrize("who", ["mgr_a", "auditor"])
def test_only_supervisors_and_administrators_scan_from_the_page(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.post(reverse("risk:scan_start")).status_code == 403
    assert not RiskScan.objects.exists()


def test_the_progress_is_polled_while_running_and_reloads_the_page_when_done(client, sup_east):
    scan = RiskScan.objects.create(
        trigger="page",
        status="running",
        customers_total=200,
        customers_scanned=50,
        heartbeat_at=timezone.now(),
    )
    client.force_login(sup_east)
    url = reverse("risk:scan_progress", args=[scan.pk])

    running = client.get(url, **HTMX)
    assert 'hx-trigger="every 2s"' in running.content.decode()
    assert "25%" in running.content.decode()
    assert "HX-Refresh" not in running

    RiskScan.objects.filter(pk=scan.pk).update(status="done")
    done = client.get(url, **HTMX)
    assert done["HX-Refresh"] == "true"
    assert "every 2s" not in done.content.decode()


def test_the_customer_tab_explains_the_level_and_charts_the_score(
    client, mgr_a, portfolio, django_assert_max_num_queries
):
    customer = portfolio[3]
    client.force_login(mgr_a)

    with django_assert_max_num_queries(10):
        tab = client.get(reverse("risk:customer_risk_tab", args=[customer.pk]))

    html = tab.content.decode()
    assert tab.status_code == 200
    assert describe_reason(THREE_BROKEN) in html
    assert [point["score"] for point in tab.context["chart"]] == [0, 80]
    assert 'id="risk-score-data"' in html
    assert 'data-testid="risk-override-form"' in html


def test_the_customer_tab_of_another_managers_customer_is_404(client, mgr_a, portfolio):
    client.force_login(mgr_a)

    assert client.get(reverse("risk:customer_risk_tab", args=[portfolio[0].pk])).status_code == 404


def test_an_auditor_sees_the_tab_without_the_override_form(client, auditor, portfolio):
    client.force_login(auditor)

    tab = client.get(reverse("risk:customer_risk_tab", args=[portfolio[1].pk]))

    assert tab.status_code == 200
    assert 'data-testid="risk-override-form"' not in tab.content.decode()


def test_overriding_from_the_tab_shows_the_override_in_the_tab(client, mgr_a, portfolio, clock):
    customer = portfolio[3]
    client.force_login(mgr_a)
    until = (timezone.localtime() + dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")

    tab = client.post(
        reverse("risk:customer_override", args=[customer.pk]),
        {"level": "medium", "reason": "已签订分期还款协议", "expires_at": until},
        **HTMX,
    )

    assert tab.status_code == 200
    html = tab.content.decode()
    assert 'data-testid="risk-override"' in html
    assert "已签订分期还款协议" in html
    customer.refresh_from_db()
    assert customer.risk_level == "medium"

    ended = client.post(reverse("risk:customer_override_end", args=[customer.pk]), **HTMX)
    assert 'data-testid="risk-override"' not in ended.content.decode()
    customer.refresh_from_db()
    assert customer.risk_level == "critical"
    assert RiskOverride.objects.get().end_reason == "cleared"


def test_a_bad_override_from_the_tab_shows_the_error_on_its_field(client, mgr_a, portfolio):
    customer = portfolio[3]
    client.force_login(mgr_a)
    past = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    tab = client.post(
        reverse("risk:customer_override", args=[customer.pk]),
        {"level": "medium", "reason": "x", "expires_at": past},
        **HTMX,
    )

    assert tab.status_code == 200
    errors = tab.context["form"].errors
    assert list(errors) == ["expires_at"]
    assert chinese(errors["expires_at"][0])
    assert not RiskOverride.objects.exists()


def test_the_customer_page_has_a_risk_tab_and_the_timeline_shows_level_changes(
    client, api, portfolio
):
    customer = portfolio[3]
    manager = customer.assignments.get().manager
    client.force_login(manager)

    page = client.get(reverse("customers:detail", args=[customer.pk]))
    assert reverse("risk:customer_risk_tab", args=[customer.pk]) in page.content.decode()

    timeline = api(manager).get(f"/api/v1/customers/{customer.pk}/timeline/", {"kind": "risk"})
    summaries = [e["summary"] for e in timeline.data["results"] if e["kind"] == "risk"]
    assert len(summaries) == 2  # the first level, then the change
    assert "低 → 严重" in summaries[0]
    assert "80" in summaries[0]
