"""The dashboard in a real browser: every chart is drawn by ECharts with data."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.utils import timezone

from common.actors import SYSTEM
from customers.models import Customer
from outages.models import Notification
from tests.browser_fixtures import LAPTOP, log_in
from tests.dashboards.factories import VisitPlanFactory
from tests.factories import ContactFactory
from tests.outages.factories import approved_outage
from visits import services as visits

pytestmark = [
    pytest.mark.browser,
    # The fixture builds the region's business relative to today (bills, payments, visit plan).
    pytest.mark.date_sensitive,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def default_star_rules(transactional_db):
    """The rating rules the data migration creates (a transactional test's flush removes them;
    serialized_rollback would clash with content types recreated by earlier flushes)."""
    migration = importlib.import_module("accounts_manager.migrations.0004_default_star_rating")
    # The migration names the rating models by the app they were made in (accounts_manager);
    # they live in dashboards now.
    moved = SimpleNamespace(get_model=lambda _app, name: apps.get_model("dashboards", name))
    migration.create_defaults(moved, None)


CHARTS_WITH_DATA = """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
    const chart = echarts.getInstanceByDom(el);
    const canvas = el.querySelector('canvas');
    const series = chart ? chart.getOption().series : [];
    return {
        key: el.dataset.chart,
        canvas: !!canvas && canvas.width > 0 && canvas.height > 0,
        points: series.length ? series[0].data.length : 0,
    };
})"""


@pytest.fixture
def region_in_business(bill, pay, customer_for, mgr_a, mgr_b, sup_east, feeder_east):
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    steel = customer_for(mgr_a, name="东方钢铁有限公司", importance="level1", risk_level="critical")
    mall = customer_for(mgr_a, name="万象商业广场", risk_level="high")
    hospital = customer_for(
        mgr_b, name="市第一人民医院", segment="hospital", importance="special", risk_level="low"
    )
    bill(steel, 58000, due=str(today - 75 * day), period="2025-01")
    bill(steel, 61000, due=str(today - 40 * day), period="2025-02")
    bill(mall, 23000, due=str(today - 12 * day), period="2025-02")
    bill(hospital, 35000, due=str(today - 3 * day), period="2025-02")
    pay(hospital, 35000, day=str(today - 4 * day))
    pay(mall, 5000, day=str(today - day))
    for customer in (steel, mall, hospital):
        ContactFactory(customer=customer)
    outage = approved_outage(sup_east, [feeder_east], start=timezone.now() + dt.timedelta(days=9))
    contact = steel.contacts.first()
    Notification.objects.create(
        outage=outage,
        customer=steel,
        contact=contact,
        channel="sms",
        address=contact.mobile,
        kind="notice",
        status="delivered",
    )
    # calendar: the complaint's deadlines count working days from now (the year must be entered
    # when --now is in 2027 or later).
    from complaints import services as complaint_services

    complaint_services.register_complaint(
        customer=mall,
        channel="hotline_95598",
        category="billing",
        description="电费异常",
        received_at=timezone.now() - dt.timedelta(hours=20),
        acting_user=SYSTEM,
    )
    visits.generate_visit_plans()
    visits.record_visit(
        hospital,
        manager=mgr_b,
        visited_at=timezone.now(),
        kind="routine",
        outcome="completed",
        acting_user=SYSTEM,
    )


def test_the_dashboard_draws_every_chart_with_data(
    browser_page, shot, sup_east, region_in_business
):
    page = browser_page(LAPTOP)
    log_in(page, "sup_east")
    page.goto("/dashboard/")
    page.wait_for_selector("[data-chart] canvas")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-chart] canvas').length"
        " === document.querySelectorAll('[data-chart]').length"
    )
    charts = page.evaluate(CHARTS_WITH_DATA)
    assert {c["key"] for c in charts} == {
        "aging",
        "collection",
        "risk",
        "complaints",
        "coverage",
        "managers",
    }
    assert all(c["canvas"] and c["points"] > 0 for c in charts), charts
    # zh-Hans labels: the aging chart's categories and the page's own text.
    labels = page.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector('[data-chart=aging]'))"
        ".getOption().xAxis[0].data"
    )
    assert labels[0].endswith("天")
    assert page.get_by_text("东方钢铁有限公司").first.is_visible()
    shot(page, "dashboard")

    page.get_by_role("link", name="客户经理排行").click()
    page.wait_for_selector("[data-chart=scores] canvas")
    page.locator("[data-testid=league] a").first.click()
    page.wait_for_selector("[data-chart=trend] canvas")
    trend = page.evaluate(CHARTS_WITH_DATA)
    assert trend[0]["key"] == "trend" and trend[0]["points"] == 12
    shot(page, "manager-performance")


def test_a_manager_records_an_overdue_visit_with_a_survey(
    browser_page, shot, mgr_a, region_in_business
):
    steel = Customer.objects.get(name="东方钢铁有限公司")
    # The cycle before the one the fixture's plan job made (steel's own frequency), whichever
    # the date: it is overdue and never clashes with the current cycle's item.
    current = steel.visit_plans.get()
    months = current.frequency_months
    previous_start, previous_end = visits.cycle_for(
        current.window_start - dt.timedelta(days=1), months
    )
    VisitPlanFactory(
        customer=steel,
        window_start=previous_start,
        due_date=previous_end,
        frequency_months=months,
        importance=steel.importance,
    )
    page = browser_page(LAPTOP)
    log_in(page, "mgr_a")
    page.goto("/visits/")
    first = page.locator("[data-testid=plans] tbody tr").first
    assert "东方钢铁有限公司" in first.inner_text()  # overdue: listed first
    shot(page, "visits-list")
    first.get_by_role("link", name="登记走访").click()
    page.select_option("#id_kind", "satisfaction_survey")
    page.check("#id_with_survey")
    for name in (
        "supply_reliability",
        "power_quality",
        "billing",
        "service_attitude",
        "business_handling",
    ):
        page.select_option(f"#id_{name}", "4")
    page.fill("#id_notes", "检查配电房，客户反映电压稳定")
    shot(page, "visit-form")
    page.get_by_role("button", name="登记走访").click()
    page.wait_for_url("**/visits/*/")
    assert page.locator("[data-testid=survey]").inner_text().count("4 / 5") == 5
    assert "检查配电房" in page.locator("[data-testid=visit]").inner_text()
    shot(page, "visit-detail")
