"""The connection projects API end to end: the contract of API.md, refusals and scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from connections.models import Project
from customers.models import Customer
from tests.connections.conftest import at
from tests.factories import make_credit_code

# Tests that do not travel run at the real date (or at --now).
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

URL = "/api/v1/connection-projects/"


def body(feeders, **fields):
    data = {
        "kind": "new",
        "applicant_name": "数据中心有限公司",
        "credit_code": make_credit_code(901),
        "region": "EAST",
        "voltage_kv": "10.00",
        "supply_scheme": "hv_dual",
        "requested_capacity_kva": "8000.00",
        "segment": "data_center",
        "tariff": "two_part",
        "primary_feeder": feeders[0].pk,
        "backup_feeder": feeders[1].pk,
    }
    data.update(fields)
    return data


def test_create_read_and_idempotent_push(api, integration, mgr_a, feeders):
    client = api(integration)
    with at(2026, 3, 2):
        first = client.post(URL, body(feeders, external_ref="YX-1", manager=mgr_a.pk))
        again = client.post(URL, body(feeders, external_ref="YX-1", manager=mgr_a.pk))
    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    data = first.json()
    assert again.json()["id"] == data["id"]
    assert data["status"] == "open"
    assert data["current_step"] == "supply_plan"
    assert data["customer"] is None
    assert data["limit_working_days"] == 32
    assert data["region"] == "EAST"
    assert [s["step"] for s in data["steps"]] == [
        "accepted",
        "supply_plan",
        "design_review",
        "mid_inspection",
        "completion_inspection",
        "energization",
    ]
    assert set(data["steps"][1]) >= {
        "step",
        "status",
        "started_at",
        "finished_at",
        "due",
        "working_days",
        "breached",
    }
    assert data["progress_url"].startswith("http://testserver/p/")


def test_walk_to_energization_creates_the_customer(api, mgr_a, feeders):
    client = api(mgr_a)
    with at(2026, 3, 2):
        project = client.post(URL, body(feeders)).json()
        for _ in range(5):
            response = client.post(f"{URL}{project['id']}/finish/", {"notes": "ok"})
            assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "energized"
    customer = Customer.objects.get(pk=data["customer"])
    assert customer.supply_points.count() == 2
    # Ended: every action is refused with 409.
    for action in ("finish", "wait", "resume"):
        assert client.post(f"{URL}{project['id']}/{action}/", {"reason": "x"}).status_code == 409
    assert client.post(f"{URL}{project['id']}/cancel/", {"reason": "x"}).status_code == 409


def test_wait_resume_return_cancel(api, mgr_a, feeders):
    client = api(mgr_a)
    with at(2026, 3, 2):
        pid = client.post(URL, body(feeders)).json()["id"]
    with at(2026, 3, 3):
        assert client.post(f"{URL}{pid}/return/", {"reason": "x"}).status_code == 409
        waiting = client.post(f"{URL}{pid}/wait/", {"reason": "缺资料", "kind": "documents"})
        assert waiting.json()["status"] == "waiting_customer"
        assert client.post(f"{URL}{pid}/finish/", {}).status_code == 409
        assert client.post(f"{URL}{pid}/wait/", {"reason": "again"}).status_code == 409
    with at(2026, 3, 5):
        resumed = client.post(f"{URL}{pid}/resume/", {})
        assert resumed.json()["status"] == "open"
        assert resumed.json()["utility_working_days"] == 1
        client.post(f"{URL}{pid}/finish/", {})
        back = client.post(f"{URL}{pid}/return/", {"reason": "方案需调整"})
        assert back.json()["current_step"] == "supply_plan"
        cancelled = client.post(f"{URL}{pid}/cancel/", {"reason": "客户撤回"})
    assert cancelled.json()["status"] == "cancelled"
    kinds = [e["kind"] for e in client.get(f"{URL}{pid}/events/").json()]
    assert kinds == ["created", "waiting", "resumed", "finished", "returned", "cancelled"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "nope"}, "kind"),
        ({"supply_scheme": "lv"}, "supply_scheme"),
        ({"credit_code": "12345"}, "credit_code"),
        ({"applicant_name": ""}, "applicant_name"),
        ({"voltage_kv": "abc"}, "voltage_kv"),
        ({"kind": "increase"}, "customer"),
        ({"accepted_at": "2099-01-01T00:00:00+08:00"}, "accepted_at"),
        ({"region": "NOWHERE"}, "region"),
    ],
)
def test_bad_input_is_400_on_its_field(api, mgr_a, feeders, fields, field):
    response = api(mgr_a).post(URL, body(feeders, **fields))
    assert response.status_code == 400
    assert field in response.json()
    assert not Project.objects.exists()


def test_bad_action_input_is_400(api, mgr_a, feeders):
    client = api(mgr_a)
    pid = client.post(URL, body(feeders)).json()["id"]
    assert "reason" in client.post(f"{URL}{pid}/wait/", {}).json()
    assert "at" in client.post(f"{URL}{pid}/finish/", {"at": "yesterday"}).json()
    future = client.post(f"{URL}{pid}/finish/", {"at": "2099-01-01T00:00:00+08:00"})
    assert (future.status_code, "at" in future.json()) == (400, True)


def test_scope_404_and_roles_403(api, mgr_a, mgr_b, auditor, feeders, sup_east, west, mgr_c):
    pid = api(mgr_a).post(URL, body(feeders)).json()["id"]
    assert api(mgr_b).get(f"{URL}{pid}/").status_code == 404
    assert api(mgr_b).post(f"{URL}{pid}/finish/", {}).status_code == 404
    assert api(sup_east).get(f"{URL}{pid}/").status_code == 200
    assert api(auditor).get(f"{URL}{pid}/").status_code == 200
    assert api(auditor).post(f"{URL}{pid}/finish/", {}).status_code == 403
    assert api(auditor).post(URL, body(feeders)).status_code == 403
    assert api().get(URL).status_code == 401
    # A manager registers for themselves only.
    refused = api(mgr_a).post(URL, body(feeders, manager=mgr_b.pk))
    assert (refused.status_code, "manager" in refused.json()) == (400, True)


def test_filters(api, sup_all, applicant, customer_for, mgr_a, mgr_c, west):
    with at(2026, 3, 2):
        own = applicant()
        other = applicant(region=west, manager=mgr_c, primary_feeder=None, backup_feeder=None)
        Project.objects.filter(pk=other.pk).update(breached=True)
    client = api(sup_all)

    def ids(**params):
        return {r["id"] for r in client.get(URL, params).json()["results"]}

    assert ids(region="WEST") == {other.pk}
    assert ids(manager=mgr_a.pk) == {own.pk}
    assert ids(breached="true") == {other.pk}
    assert ids(status="open", kind="new") == {own.pk, other.pk}
    assert ids(status="energized") == set()
    assert client.get(URL, {"status": "bogus"}).status_code == 400


def test_patch_and_fields_that_cannot_change(api, mgr_a, feeders):
    client = api(mgr_a)
    pid = client.post(URL, body(feeders)).json()["id"]
    ok = client.patch(f"{URL}{pid}/", {"contact_name": "王工", "requested_capacity_kva": "9000"})
    assert ok.status_code == 200
    assert ok.json()["requested_capacity_kva"] == "9000.00"
    assert client.patch(f"{URL}{pid}/", {"status": "energized"}).status_code == 400


def test_documents_and_attachments(api, mgr_a, mgr_b, auditor, feeders, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = api(mgr_a)
    pid = client.post(URL, body(feeders)).json()["id"]
    docs = client.get(f"{URL}{pid}/documents/").json()
    assert [d["code"] for d in docs] == ["identity", "property", "load_list", "drawings"]
    ticked = client.post(f"{URL}{pid}/documents/", {"code": "identity"}).json()
    assert ticked[0]["received"] is True
    assert api(auditor).post(f"{URL}{pid}/documents/", {"code": "property"}).status_code == 403
    upload = SimpleUploadedFile("图纸.pdf", b"%PDF-1.4 drawing", content_type="application/pdf")
    response = client.post(
        f"{URL}{pid}/attachments/", {"file": upload, "document": "drawings"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["document"] == "drawings"
    fake = SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")
    bad = client.post(f"{URL}{pid}/attachments/", {"file": fake}, format="multipart")
    assert (bad.status_code, "file" in bad.json()) == (400, True)
    assert len(api(auditor).get(f"{URL}{pid}/attachments/").json()) == 1
    browser = Client()
    browser.force_login(auditor)
    assert browser.get(response.json()["url"]).status_code == 200
    outsider = Client()
    outsider.force_login(mgr_b)
    assert outsider.get(response.json()["url"]).status_code == 404


def test_list_query_count_is_fixed(api, sup_all, applicant, django_assert_max_num_queries):
    with at(2026, 3, 2):
        for _ in range(6):
            applicant()
    client = api(sup_all)
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.json()["count"] == 6


def test_an_external_ref_outside_the_scope_is_only_already_used(api, mgr_a, mgr_b, feeders):
    first = api(mgr_a).post(URL, body(feeders, external_ref="YX-9"))
    assert first.status_code == 201
    other = api(mgr_b).post(URL, body(feeders, external_ref="YX-9"))
    assert other.status_code == 400
    assert "external_ref" in other.json()
    assert Project.objects.count() == 1
