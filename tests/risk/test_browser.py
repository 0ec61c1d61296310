"""The risk pages in a real browser: the charts draw, "scan now" shows the results, and an
override is set from the customer's risk tab."""

import datetime as dt

import pytest
from django.utils import timezone

from risk.models import RiskOverride, RiskScan
from tests.browser_fixtures import LAPTOP, log_in
from tests.risk.factories import promise

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The scan counts the promises broken in the six months before today.
    pytest.mark.date_sensitive,
]


@pytest.fixture
def customers(customer_for, mgr_a, settings):
    settings.RISK_FACTOR_BANDS = {"broken_promises": [(1, 30), (2, 60), (3, 80)]}
    made = [customer_for(mgr_a, name=f"风险测试{n}有限公司") for n in range(4)]
    today = timezone.localdate()
    for n, customer in enumerate(made):
        for day in range(n):
            # Broken within the scan's six-month window whatever today is (fixed October dates
            # left the window in April 2027).
            promise(customer, due=str(today - dt.timedelta(days=10 + day)))
    return made


def test_a_supervisor_scans_now_and_sees_the_levels(browser_page, shot, sup_east, customers):
    page = browser_page(LAPTOP)
    log_in(page, "sup_east")
    page.wait_for_url("**/my-day/")

    page.goto("/risk/")
    page.get_by_test_id("scan-now").click()
    page.wait_for_url("**/risk/")

    assert RiskScan.objects.get().status == "done"
    page.locator("#risk-levels-chart canvas").wait_for()
    assert page.get_by_test_id("risers").get_by_text("风险测试3有限公司").is_visible()
    assert page.get_by_test_id("scans").locator("tbody tr").count() == 1
    shot(page, "risk-overview")


def test_a_manager_overrides_a_level_from_the_risk_tab(browser_page, shot, mgr_a, customers, scan):
    scan()
    customer = customers[3]
    page = browser_page(LAPTOP)
    log_in(page, "mgr_a")
    page.wait_for_url("**/my-day/")

    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("tab", name="风险").click()
    page.locator("#risk-score-chart canvas").wait_for()
    assert page.get_by_test_id("risk-reasons").is_visible()
    form = page.get_by_test_id("risk-override-form")
    form.locator("select[name=level]").select_option("medium")
    form.locator("textarea[name=reason]").fill("已签订分期还款协议")
    form.get_by_role("button").click()
    page.get_by_test_id("risk-override").wait_for()

    assert "已签订分期还款协议" in page.get_by_test_id("risk-override").inner_text()
    assert RiskOverride.objects.get(customer=customer).level == "medium"
    shot(page, "risk-customer-tab")
