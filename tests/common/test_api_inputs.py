"""Inputs that once gave a 500 (issue 11 §6.5, §6.6): each gets a 400 with a message."""

import datetime as dt
import json

import pytest
import time_machine
from django.conf import settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
DEEP = "[" * 400 + "]" * 400


@pytest.mark.parametrize("depth", [400, 5000, 100_000])
def test_deeply_nested_json_to_the_token_endpoint_is_a_json_400(depth):
    body = "[" * depth + "]" * depth
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path", ["/api/v1/customers/", "/api/v1/bills/import/", "/api/v1/payments/"]
)
def test_deeply_nested_json_is_400_on_every_json_endpoint(api, admin_user, path):
    nested = '{"name": ' + "[" * 100 + "]" * 100 + "}"
    for body in (DEEP, nested):
        response = api(admin_user).post(path, body, content_type="application/json")
        assert response.status_code == 400, body[:20]
        assert "detail" in response.json()


def test_json_a_few_levels_deep_is_still_read(api, admin_user):
    response = api(admin_user).post(
        "/api/v1/customers/", '{"name": [[[["x"]]]]}', content_type="application/json"
    )
    assert response.status_code == 400
    assert "name" in response.json()


@pytest.mark.parametrize("kind", ["x", "complaint,change", "<script>"])
def test_an_unknown_timeline_kind_is_a_field_error(api, mgr_a, customer_for, kind):
    customer = customer_for(mgr_a)
    response = api(mgr_a).get(f"/api/v1/customers/{customer.pk}/timeline/", {"kind": kind})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_an_empty_timeline_kind_means_every_kind(api, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    api(mgr_a).patch(f"/api/v1/customers/{customer.pk}/", {"name": "新名"}, format="json")
    response = api(mgr_a).get(f"/api/v1/customers/{customer.pk}/timeline/", {"kind": ""})
    assert response.status_code == 200
    everything = api(mgr_a).get(f"/api/v1/customers/{customer.pk}/timeline/")
    assert response.json() == everything.json()
    assert {e["kind"] for e in response.json()["results"]} >= {"change", "assignment"}


def test_a_supply_point_without_a_feeder_is_a_field_error_in_a_patch(api, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    response = api(mgr_a).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"supply_points": [{"is_primary": False}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["supply_points"] == {"0": {"feeder": ["此项为必填项。"]}}
    assert customer.supply_points.count() == 1


@pytest.mark.parametrize("field", ["issue_date", "due_date", "period", "total", "account_no"])
@pytest.mark.parametrize("value", [["2025-05-05"], {"date": "2025-05-05"}])
def test_a_bill_value_that_is_a_list_or_object_is_a_field_error(
    api, integration, customer_for, field, value
):
    customer = customer_for(None)
    row = {
        "account_no": customer.account_no,
        "period": "2025-04",
        "issue_date": "2025-05-05",
        "due_date": "2025-05-25",
        "energy_kwh": "1000.00",
        "energy_charge": "600.00",
        field: value,
    }
    with time_machine.travel(dt.datetime(2025, 6, 2, 10, tzinfo=SHANGHAI), tick=False):
        one = api(integration).post("/api/v1/bills/", row, format="json")
        many = api(integration).post("/api/v1/bills/import/", [row], format="json")
    assert one.status_code == 400
    assert field in one.json()
    assert many.status_code == 400
    assert [e["field"] for e in many.json()["errors"]] == [field]


# --- request body limits (§6.8) ----------------------------------------------------------------


def _realistic_bill(i: int) -> dict:
    return {
        "account_no": f"31{i:08d}",
        "period": "2026-04",
        "issue_date": "2026-05-05",
        "due_date": "2026-05-25",
        "tariff_category": "large_industrial",
        "energy_kwh": "123456.00",
        "peak_kwh": "40000.00",
        "flat_kwh": "50000.00",
        "valley_kwh": "33456.00",
        "basic_charge": "12000.00",
        "energy_charge": "88000.00",
        "power_factor_adjustment": "-150.00",
        "other_charges": "0.00",
        "total": "99850.00",
    }


def test_the_bill_import_takes_a_body_of_its_promised_number_of_bills(api, integration):
    from billing.imports import MAX_ROWS

    # One bill more than promised, pretty-printed: the body (about 9 MB) reaches the view,
    # which answers with its own row limit, not a size refusal.
    rows = [_realistic_bill(i) for i in range(MAX_ROWS + 1)]
    body = json.dumps(rows, indent=2)
    assert len(body) > 3 * settings.REQUEST_BODY_MAX_BYTES
    response = api(integration).post("/api/v1/bills/import/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == f"每次请求最多 {MAX_ROWS} 张账单。"


@pytest.mark.parametrize("language, word", [("zh-hans", "请求体"), ("en", "request body")])
def test_a_body_larger_than_the_endpoint_accepts_is_a_json_413(api, admin_user, language, word):
    body = json.dumps({"name": "x" * settings.REQUEST_BODY_MAX_BYTES})
    response = api(admin_user).post(
        "/api/v1/customers/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert word in response.json()["detail"]
    assert response.json()["max_bytes"] == settings.REQUEST_BODY_MAX_BYTES


def test_the_bill_import_refuses_a_body_beyond_its_own_limit(api, integration):
    from billing.imports import IMPORT_ROW_MAX_BYTES, MAX_ROWS

    body = "[" + " " * (MAX_ROWS * IMPORT_ROW_MAX_BYTES) + "]"
    response = api(integration).post("/api/v1/bills/import/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["max_bytes"] == MAX_ROWS * IMPORT_ROW_MAX_BYTES


def test_the_token_endpoint_refuses_a_large_body_without_login():
    body = json.dumps({"username": "x" * 3_000_000, "password": "y"})
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 413
    assert "detail" in response.json()


def test_a_page_refuses_a_large_form_with_413(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/customers/new/", "a=" + "x" * 3_000_000, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "数据过多" in page and "请求体超过了此接口允许的大小" in page
