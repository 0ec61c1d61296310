"""A high-voltage dual-supply connection project walked in a real browser, from the
application (受理) to energization (装表接电), with the customer's link on the way."""

import pytest

from connections.models import Project
from tests.browser_fixtures import LAPTOP, PHONE, log_in
from tests.factories import FeederFactory, SubstationFactory, make_credit_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def feeders(east):
    substation = SubstationFactory(region=east, name="钱江变")
    return (
        FeederFactory(substation=substation, region=east, code="QJ101", name="钱江101线"),
        FeederFactory(substation=substation, region=east, code="QJ102", name="钱江102线"),
    )


def _finish(page, shot, name: str) -> None:
    page.get_by_test_id("action-finish").click()
    page.get_by_test_id("form-finish").wait_for(state="visible")
    page.get_by_test_id("submit-finish").click()
    page.wait_for_load_state()
    shot(page, name)


def test_a_dual_supply_project_from_application_to_energization(
    browser_page, shot, mgr_a, east, feeders
):
    page = browser_page(LAPTOP)
    log_in(page, "mgr_a")
    page.wait_for_url("**/my-day/")
    page.goto("/connections/new/")
    page.select_option("#id_kind", "new")
    page.fill("#id_applicant_name", "云谷数据中心有限公司")
    page.fill("#id_credit_code", make_credit_code(4242))
    page.select_option("#id_region", str(east.pk))
    page.fill("#id_voltage_kv", "10")
    page.select_option("#id_supply_scheme", "hv_dual")
    page.fill("#id_requested_capacity_kva", "8000")
    page.select_option("#id_segment", "data_center")
    page.select_option("#id_tariff", "two_part")
    page.select_option("#id_primary_feeder", str(feeders[0].pk))
    page.select_option("#id_backup_feeder", str(feeders[1].pk))
    page.fill("#id_contact_name", "王工")
    shot(page, "connection-01-application")
    page.get_by_test_id("save").click()
    page.get_by_test_id("project-status").wait_for()
    project = Project.objects.get()
    assert page.get_by_test_id("project-status").inner_text() == "办理中"
    assert page.get_by_test_id("steps").locator("tbody tr").count() == 6
    shot(page, "connection-02-accepted")

    # The checklist told in one go: two documents arrive.
    page.get_by_test_id("doc-identity").click()
    page.get_by_test_id("doc-property").click()
    page.wait_for_load_state()

    _finish(page, shot, "connection-03-supply-plan-answered")

    # The customer reads the plan on its link, without logging in, on a phone.
    public = browser_page(PHONE)
    public.goto(f"/p/{project.progress_token}/")
    public.get_by_test_id("confirm-plan").click()
    public.get_by_test_id("plan-confirmed").wait_for()
    shot(public, "connection-04-customer-link")

    # The customer's own construction stops the clock, then the design is reviewed.
    page.get_by_test_id("action-wait").click()
    page.select_option("#form-wait select[name=kind]", "construction")
    page.fill("#form-wait textarea[name=reason]", "客户自建配电房施工中")
    page.get_by_test_id("submit-wait").click()
    page.get_by_test_id("project-status").wait_for()
    assert page.get_by_test_id("project-status").inner_text() == "等待客户"
    shot(page, "connection-05-waiting-for-the-customer")
    page.get_by_test_id("action-resume").click()
    page.get_by_test_id("submit-resume").click()
    page.wait_for_load_state()

    _finish(page, shot, "connection-06-design-reviewed")
    _finish(page, shot, "connection-07-mid-construction-checked")
    _finish(page, shot, "connection-08-completion-inspected")
    _finish(page, shot, "connection-09-energized")
    assert page.get_by_test_id("project-status").inner_text() == "已送电"
    project.refresh_from_db()
    customer = project.customer
    assert customer.name == "云谷数据中心有限公司"
    assert customer.supply_points.count() == 2

    page.get_by_test_id("action-archive").click()
    page.get_by_test_id("submit-archive").click()
    page.wait_for_load_state()
    shot(page, "connection-10-archived")
    page.goto(f"/customers/{customer.pk}/")
    page.get_by_test_id("customer-name").wait_for()
    shot(page, "connection-11-new-customer")
