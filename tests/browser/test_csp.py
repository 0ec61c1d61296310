"""The Content-Security-Policy in a real browser: the main pages, their htmx tabs and charts,
the admin and the API docs load without a single violation (inline script, inline style,
event handler or outside resource)."""

import pytest

from common.actors import SYSTEM
from complaints import services as complaint_services
from outages import notices
from risk import services as risk
from risk.models import RiskScanTrigger
from tests.billing.factories import BillFactory
from tests.browser_fixtures import LAPTOP, log_in
from tests.factories import ContactFactory
from tests.outages.factories import approved_outage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collected in the page before any of its scripts runs (Playwright's init scripts are not
# subject to the page's CSP).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
    " at " + (e.sourceFile || document.location.pathname) + ":" + e.lineNumber);
});
"""


@pytest.fixture
def world(customer_for, mgr_a, sup_east, feeder_east):
    customer = customer_for(mgr_a, name="杭州华通电子有限公司", importance="level1")
    ContactFactory(customer=customer, name="王建国", mobile="+8613800138000")
    BillFactory(customer=customer, total="5000.00")  # long overdue
    risk.run_risk_scan(risk.queue_risk_scan(trigger=RiskScanTrigger.COMMAND, acting_user=SYSTEM).pk)
    complaint, _created = complaint_services.register_complaint(
        customer=customer,
        channel="hotline_95598",
        category="power_quality",
        description="电压波动导致生产线停机\n第二行",
        acting_user=SYSTEM,
    )
    outage = approved_outage(sup_east, [feeder_east])
    notices.plan_notices(outage)
    return {"customer": customer, "complaint": complaint, "outage": outage}


class Watcher:
    """Opens pages and gathers every CSP violation (events and console messages)."""

    def __init__(self, page):
        self.page = page
        self.violations: list[str] = []
        self.errors: list[str] = []  # other console errors, shown when a wait fails
        page.add_init_script(LISTEN)
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"console on {self.page.url}: {message.text[:300]}")
        elif message.type == "error":
            self.errors.append(f"{self.page.url}: {message.text[:300]}")

    def collect(self):
        self.page.wait_for_load_state("networkidle")
        for found in self.page.evaluate("window.__csp || []"):
            self.violations.append(f"{self.page.url}: {found}")

    def visit(self, path, *, wait_for=None):
        response = self.page.goto(path)
        assert response is not None and response.status in (200, 404), path
        if wait_for:
            try:
                self.page.locator(wait_for).first.wait_for(state="attached")
            except Exception as exc:
                problems = self.violations + self.errors
                raise AssertionError(f"{path}: {wait_for} missing; {problems}") from exc
        self.collect()

    def open_tabs(self):
        tabs = self.page.locator("[role=tab]")
        for index in range(tabs.count()):
            tabs.nth(index).click()
            self.page.wait_for_load_state("networkidle")
        self.collect()


def test_pages_of_every_role_and_the_api_docs_break_no_rule_of_the_policy(
    browser_page, world, mgr_a, sup_east, admin_user
):
    anonymous = Watcher(browser_page(LAPTOP))
    anonymous.visit("/accounts/login/")
    anonymous.visit("/no/such/page/")

    manager = Watcher(browser_page(LAPTOP))
    log_in(manager.page, "mgr_a")
    manager.page.wait_for_url("**/my-day/")
    customer, complaint = world["customer"], world["complaint"]
    for path in [
        "/my-day/",
        "/customers/",
        "/billing/arrears/",
        f"/billing/customers/{customer.pk}/",
        "/outages/",
        "/outages/calendar/",
        "/complaints/",
        f"/complaints/{complaint.pk}/",
        "/visits/",
        "/visits/plans/",
        "/notices/",
        "/no/such/page/",
    ]:
        manager.visit(path)
    manager.visit(f"/customers/{customer.pk}/")
    manager.open_tabs()
    manager.page.get_by_role("tab", name="风险").click()
    manager.page.locator("#risk-score-chart canvas").wait_for(state="attached")
    manager.collect()

    supervisor = Watcher(browser_page(LAPTOP))
    log_in(supervisor.page, "sup_east")
    supervisor.page.wait_for_url("**/my-day/")
    outage = world["outage"]
    supervisor.visit("/dashboard/", wait_for="[data-chart] canvas")
    supervisor.visit("/dashboard/managers/", wait_for="[data-chart] canvas")
    supervisor.visit(f"/dashboard/managers/{mgr_a.pk}/", wait_for="[data-chart] canvas")
    supervisor.visit("/risk/", wait_for="#risk-levels-chart canvas")
    supervisor.visit(f"/outages/{outage.pk}/", wait_for="[data-progress]")
    width = supervisor.page.locator("[data-progress]").first.evaluate("e => e.style.width")
    assert width.endswith("%")
    supervisor.visit(f"/outages/{outage.pk}/coverage/")
    supervisor.visit("/managers/")
    supervisor.visit(f"/managers/{mgr_a.pk}/")

    admin = Watcher(browser_page(LAPTOP))
    log_in(admin.page, admin_user.username)
    admin.page.wait_for_url("**/")
    admin.visit("/admin/")
    admin.visit("/admin/customers/customer/")
    admin.visit(f"/admin/customers/customer/{customer.pk}/change/")
    admin.visit("/admin/django_celery_beat/periodictask/add/", wait_for="#id_crontab")
    admin.visit("/api/docs/", wait_for=".swagger-ui .opblock")

    violations = anonymous.violations + manager.violations + supervisor.violations
    violations += admin.violations
    assert violations == []
