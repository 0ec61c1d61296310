"""The product in a real browser: a manager's day, the customer pages, and the lockout."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts_manager.models import Notice
from tests.browser_fixtures import LAPTOP, PHONE, log_in
from tests.factories import ContactFactory, FollowUpFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portfolio(mgr_a, mgr_b, customer_for):
    """Three customers of mgr_a (one with contacts and follow-ups) and one of mgr_b."""
    main = customer_for(
        mgr_a,
        name="杭州华通电子有限公司",
        importance="level1",
        risk_level="high",
        risk_score=72,
        address="杭州市钱江新城民心路 100 号",
    )
    ContactFactory(customer=main, name="王建国", role="legal", mobile="+8613800138000")
    ContactFactory(customer=main, name="李电工", role="electrical", mobile="+8613900139000")
    customer_for(mgr_a, name="钱江人民医院", segment="hospital", importance="special")
    customer_for(mgr_a, name="九堡实验小学", segment="school")
    other = customer_for(mgr_b, name="别人的客户有限公司")
    now = timezone.now()
    FollowUpFactory(
        customer=main,
        manager=mgr_a,
        kind="collection",
        summary="电费逾期 12 天，联系财务确认付款计划",
        due_at=now - dt.timedelta(days=1),
    )
    FollowUpFactory(
        customer=main,
        manager=mgr_a,
        kind="visit",
        summary="季度走访",
        due_at=now + dt.timedelta(days=3),
    )
    return {"main": main, "other": other}


def test_manager_sees_own_customers_and_a_bad_mobile_is_explained(
    browser_page, shot, mgr_a, portfolio
):
    page = browser_page(LAPTOP)
    log_in(page, "mgr_a")
    page.wait_for_url("**/my-day/")
    assert page.get_by_text("电费逾期 12 天，联系财务确认付款计划").is_visible()
    assert page.locator(".app-task.overdue").count() == 1
    shot(page, "my-day-laptop")

    page.get_by_role("link", name="客户", exact=True).click()
    page.wait_for_url("**/customers/")
    table = page.get_by_test_id("customer-table")
    assert table.get_by_text("杭州华通电子有限公司").is_visible()
    assert table.get_by_text("钱江人民医院").is_visible()
    assert page.get_by_text("别人的客户有限公司").count() == 0
    shot(page, "customer-list-laptop")

    table.get_by_role("link", name="杭州华通电子有限公司").click()
    page.wait_for_url(f"**/customers/{portfolio['main'].pk}/")
    assert page.get_by_test_id("customer-name").inner_text() == "杭州华通电子有限公司"
    page.get_by_test_id("timeline").wait_for()  # the first tab loads by itself (htmx)
    shot(page, "customer-360-laptop")

    contact = portfolio["main"].contacts.get(name="李电工")
    page.get_by_test_id(f"edit-contact-{contact.pk}").click()
    page.fill("#id_mobile", "12345")
    page.get_by_role("button", name="保存").click()
    error = page.locator("#id_mobile_error")
    assert "手机号" in error.inner_text()
    assert "is-invalid" in page.locator("#id_mobile").get_attribute("class")
    shot(page, "contact-bad-mobile-laptop")
    contact.refresh_from_db()
    assert contact.mobile == "+8613900139000"


def test_the_customer_page_and_menu_work_on_a_phone(browser_page, shot, mgr_a, portfolio):
    page = browser_page(PHONE)
    log_in(page, "mgr_a")
    page.wait_for_url("**/my-day/")
    shot(page, "my-day-phone")
    page.get_by_role("button", name="打开菜单").click()
    menu = page.locator("#app-sidebar")
    menu.get_by_role("link", name="客户", exact=True).click()
    page.wait_for_url("**/customers/")
    shot(page, "customer-list-phone")
    page.goto(f"/customers/{portfolio['main'].pk}/")
    page.get_by_test_id("timeline").wait_for()
    shot(page, "customer-360-phone")
    # no horizontal scrolling of the whole page on a phone
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]


def test_supervisor_pages_and_notices(
    browser_page, shot, sup_east, mgr_a, mgr_b, portfolio, customer_for
):
    customer_for(None, name="待分配的新客户")
    Notice.objects.create(
        recipient=sup_east,
        key="risk:1",
        title="客户风险升为高",
        body="杭州华通电子有限公司 风险评分 72",
        link="/customers/",
    )
    page = browser_page(LAPTOP)
    log_in(page, "sup_east")
    page.wait_for_url("**/my-day/")
    assert page.get_by_test_id("unread-notices").inner_text() == "1"
    page.get_by_title("通知").click()
    page.get_by_text("客户风险升为高").wait_for()
    shot(page, "notices-menu-laptop")
    page.goto("/managers/")
    assert page.get_by_test_id("unassigned").get_by_text("待分配的新客户").is_visible()
    shot(page, "managers-laptop")
    page.goto(f"/customers/{portfolio['main'].pk}/edit/")
    shot(page, "customer-edit-laptop")
    page.get_by_title("语言").click()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


def test_five_wrong_passwords_lock_the_account(browser_page, shot, mgr_a):
    page = browser_page(LAPTOP)
    shot_taken = False
    for _ in range(5):
        log_in(page, "mgr_a", "wrong-password")
        if not shot_taken and page.get_by_test_id("login-error").count():
            shot(page, "login-error-laptop")
            shot_taken = True
    assert page.get_by_test_id("locked-out").is_visible()
    shot(page, "locked-out-laptop")
    # even the right password is refused now
    log_in(page, "mgr_a")
    assert page.get_by_test_id("locked-out").is_visible()
