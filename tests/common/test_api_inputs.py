"""Inputs that once gave a 500 (issue 11 §6.5, §6.6): each gets a 400 with a message."""

import datetime as dt

import pytest
import time_machine
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
