"""Supply quality in a real browser: the customer's 供电质量 tab draws its chart, and the
supervisors' dashboard shows the supply panel."""

import datetime as dt

import pytest
from django.utils import timezone

from common.actors import SYSTEM
from supply import services
from tests.browser_fixtures import LAPTOP, log_in
from tests.outages.factories import supplied_customer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.date_sensitive,
]


@pytest.fixture
def cut_off(feeder_east, mgr_a):
    customer = supplied_customer(feeder_east, manager=mgr_a, contacts=0, name="供电测试有限公司")
    start = timezone.now() - dt.timedelta(days=20)
    services.import_interruptions(
        [
            {
                "source_ref": "B-1",
                "feeder": feeder_east.code,
                "start": start.isoformat(),
                "end": (start + dt.timedelta(minutes=95)).isoformat(),
                "cause": "雷击",
            }
        ],
        acting_user=SYSTEM,
    )
    return customer


def test_the_tab_shows_the_chart_and_the_interruptions(browser_page, shot, mgr_a, cut_off):
    page = browser_page(LAPTOP)
    log_in(page, "mgr_a")
    page.wait_for_url("**/my-day/")
    page.goto(f"/customers/{cut_off.pk}/")
    page.get_by_role("tab", name="供电质量").click()
    page.locator("#supply-customer-chart canvas").wait_for()
    assert page.get_by_test_id("supply-interruptions").get_by_text("雷击").is_visible()
    shot(page, "supply-tab")


def test_the_dashboard_shows_the_supply_panel(browser_page, shot, sup_east, cut_off):
    page = browser_page(LAPTOP)
    log_in(page, "sup_east")
    page.wait_for_url("**/my-day/")
    page.goto("/dashboard/")
    panel = page.get_by_test_id("supply-dashboard-panel")
    panel.wait_for()
    assert panel.get_by_text("供电测试有限公司").is_visible()
    shot(page, "supply-dashboard-panel")
