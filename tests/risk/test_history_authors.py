"""The customer's change history names who made each change: the risk scan for the levels it
writes, the person for their own edit, the scheduled job for expired overrides (issue 11 §4)."""

import pytest

from customers import services
from customers.models import Customer
from risk import overrides as risk_overrides
from tests.risk.factories import promise

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def simple_rules(settings):
    settings.RISK_FACTOR_BANDS = {"broken_promises": [(1, 30), (2, 60), (3, 80)]}


def changes_by_author(customer):
    """[(who, {field: (old, new)})] of the customer record, oldest first."""
    records = list(Customer.history.filter(id=customer.pk).order_by("history_date", "history_id"))
    out = []
    for before, record in zip([None, *records], records, strict=False):
        fields = {}
        if before is not None:
            delta = record.diff_against(before, excluded_fields={"updated_at", "created_at"})
            fields = {c.field: (c.old, c.new) for c in delta.changes}
        out.append((risk_author(record), fields))
    return out


def risk_author(record):
    from customers.history import author_of

    return author_of(record)


def test_a_managers_edit_after_a_scan_shows_only_the_managers_change(
    customer_for, mgr_a, clock, scan, client
):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    services.update_customer(customer, acting_user=mgr_a, name="改名前")
    promise(customer, due="2025-05-10")
    promise(customer, due="2025-05-11")
    clock("2025-06-03")
    done = scan()
    clock("2025-06-04")
    services.update_customer(customer, acting_user=mgr_a, name="新名称")

    history = changes_by_author(customer)
    assert history[-2] == (
        f"风险扫描 #{done.pk}",
        {"risk_level": (None, "high"), "risk_score": (None, 60)},
    )
    assert history[-1] == ("经理甲", {"name": ("改名前", "新名称")})

    # The history pane and the timeline say the same.
    client.force_login(mgr_a)
    pane = client.get(f"/customers/{customer.pk}/history/").content.decode()
    assert f"风险扫描 #{done.pk}" in pane
    rows = pane.split("<tr>")
    manager_row = next(r for r in rows if "经理甲" in r and "新名称" in r)
    assert "风险等级" not in manager_row
    timeline = client.get(f"/api/v1/customers/{customer.pk}/timeline/", {"kind": "change"})
    summaries = [e["summary"] for e in timeline.json()["results"]]
    assert summaries[:2] == ["客户档案修改 · 经理甲", f"客户档案修改 · 风险扫描 #{done.pk}"]


def test_an_unchanged_level_records_no_history(customer_for, mgr_a, clock, scan):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    scan()
    count = Customer.history.filter(id=customer.pk).count()
    clock("2025-06-03")
    scan()
    assert Customer.history.filter(id=customer.pk).count() == count


def test_overrides_are_recorded_under_the_person_and_their_expiry_under_the_job(
    customer_for, mgr_a, clock, scan
):
    import datetime as dt

    now = clock("2025-06-02")
    customer = customer_for(mgr_a)
    scan()
    risk_overrides.set_risk_override(
        customer,
        level="critical",
        reason="大额欠费",
        expires_at=now + dt.timedelta(days=1),
        acting_user=mgr_a,
    )
    clock("2025-06-04")
    assert risk_overrides.expire_risk_overrides() == 1

    history = changes_by_author(customer)
    assert history[-2] == ("经理甲", {"risk_level": ("low", "critical")})
    assert history[-1][1] == {"risk_level": ("critical", "low")}
    assert "风险" in history[-1][0] and "经理甲" not in history[-1][0]


def test_the_admin_history_names_the_scan(customer_for, mgr_a, admin_user, clock, scan, client):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    promise(customer, due="2025-05-10")
    done = scan()
    client.force_login(admin_user)
    page = client.get(f"/admin/customers/customer/{customer.pk}/history/")
    assert page.status_code == 200
    assert f"风险扫描 #{done.pk}" in page.content.decode()
