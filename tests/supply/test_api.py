"""The supply-quality API end to end (API.md "Supply quality"), refusals included."""

import pytest

from supply.models import Interruption, MonitoringPoint, VoltageReading

pytestmark = pytest.mark.django_db

URL = "/api/v1/interruptions/"
READINGS = "/api/v1/voltage-readings/"


def one(ref="D-1", **fields):
    return {
        "source_ref": ref,
        "feeder": "E1",
        "start": "2026-10-03T08:00:00+08:00",
        "end": "2026-10-03T09:30:00+08:00",
        "cause": "雷击",
        "planned": False,
        **fields,
    }


def reading(day="2026-11-01", point="VM-001", **fields):
    return {
        "point": point,
        "day": day,
        "minutes_monitored": 1440,
        "minutes_above": 0,
        "minutes_below": 72,
        "max_deviation_pct": "5.10",
        "min_deviation_pct": "-8.20",
        **fields,
    }


def test_one_interruption_is_created_then_found_again(clock, api, integration, single):
    client = api(integration)
    first = client.post(URL, one(), format="json")
    again = client.post(URL, one(), format="json")
    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    body = first.json()
    assert body["id"] == again.json()["id"]
    assert body["feeder"] == "E1" and body["customer"] is None and body["outage"] is None
    assert body["planned"] is False and body["minutes"] == 90
    assert body["start"] == "2026-10-03T08:00:00+08:00"


def test_a_bad_object_gets_field_messages_in_the_callers_language(clock, api, integration, single):
    response = api(integration).post(
        URL, one(feeder="NOPE"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json() == {"feeder": ["No feeder has this code."]}
    zh = api(integration).post(URL, one(feeder="NOPE"), format="json")
    assert zh.status_code == 400 and "feeder" in zh.json()


def test_a_list_is_all_or_nothing(clock, api, integration, single):
    response = api(integration).post(URL, [one("A"), one("B", end="bad")], format="json")
    assert response.status_code == 400
    body = response.json()
    assert (body["created"], body["updated"]) == (0, 0)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "end")]
    assert Interruption.objects.count() == 0


def test_a_list_is_imported_and_reimported(clock, api, integration, single):
    rows = [one("A"), one("B", customer=single.pk, planned=True)]
    first = api(integration).post(URL, rows, format="json")
    again = api(integration).post(URL, rows, format="json")
    assert first.status_code == 200 and first.json()["created"] == 2
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}


@pytest.mark.parametrize("body", ["text", 5, None, [[1]]])
def test_a_body_of_the_wrong_shape_is_a_400(clock, api, integration, body):
    response = api(integration).post(URL, body, format="json")
    assert response.status_code == 400


def test_refusals(clock, api, mgr_a, single):
    assert api(None).get(URL).status_code == 401
    assert api(mgr_a).post(URL, one(), format="json").status_code == 403
    assert api(mgr_a).post(READINGS, [reading()], format="json").status_code == 403


def test_lists_are_scoped(clock, api, integration, mgr_a, mgr_c, single, west_customer):
    api(integration).post(URL, [one("E"), one("W", feeder="W1")], format="json")
    seen_a = [row["source_ref"] for row in api(mgr_a).get(URL).json()["results"]]
    seen_c = [row["source_ref"] for row in api(mgr_c).get(URL).json()["results"]]
    assert seen_a == ["E"] and seen_c == ["W"]
    other = Interruption.objects.get(source_ref="W").pk
    assert api(mgr_a).get(f"{URL}{other}/").status_code == 404


def test_the_list_filters(clock, api, integration, single):
    api(integration).post(URL, [one("A"), one("B", planned=True)], format="json")
    planned = api(integration).get(URL, {"planned": "true"}).json()["results"]
    assert [row["source_ref"] for row in planned] == ["B"]
    assert api(integration).get(URL, {"feeder": "W1"}).json()["count"] == 0


def test_the_interruption_list_runs_a_fixed_number_of_queries(
    clock, api, integration, single, django_assert_max_num_queries
):
    api(integration).post(URL, [one(f"R{n}") for n in range(12)], format="json")
    client = api(integration)
    with django_assert_max_num_queries(4):
        response = client.get(URL)
    assert response.json()["count"] == 12


# --- voltage -------------------------------------------------------------------------------


def test_readings_are_upserted(clock, api, integration, point):
    first = api(integration).post(READINGS, [reading(), reading("2026-11-02")], format="json")
    again = api(integration).post(READINGS, [reading(minutes_below=0)], format="json")
    assert first.status_code == 200 and first.json()["created"] == 2
    assert again.json()["updated"] == 1
    assert VoltageReading.objects.count() == 2
    rows = api(integration).get(READINGS, {"point": "VM-001"}).json()["results"]
    assert rows[0] == {**reading("2026-11-02"), "customer": point.customer_id}


def test_a_bad_reading_list_writes_nothing(clock, api, integration, point):
    response = api(integration).post(
        READINGS, [reading(), reading("2026-11-02", minutes_monitored=2000)], format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "minutes_monitored"
    assert VoltageReading.objects.count() == 0


def test_readings_are_scoped(clock, api, integration, mgr_c, point):
    api(integration).post(READINGS, [reading()], format="json")
    assert api(mgr_c).get(READINGS).json()["count"] == 0


def test_the_reading_list_runs_a_fixed_number_of_queries(
    clock, api, integration, point, django_assert_max_num_queries
):
    days = [f"2026-10-{d:02d}" for d in range(1, 15)]
    api(integration).post(READINGS, [reading(day) for day in days], format="json")
    client = api(integration)
    with django_assert_max_num_queries(4):
        response = client.get(READINGS)
    assert response.json()["count"] == 14


def test_a_monitoring_point_is_created(clock, api, integration, single):
    body = {"code": "VM-9", "customer": single.pk, "feeder": "E1", "voltage_class": "10kv"}
    response = api(integration).post("/api/v1/monitoring-points/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["feeder"] == "E1"
    bad = api(integration).post(
        "/api/v1/monitoring-points/", {**body, "code": "VM-10", "feeder": "W1"}, format="json"
    )
    assert bad.status_code == 400 and "feeder" in bad.json()
    assert MonitoringPoint.objects.count() == 1


# --- the customer's indicators -------------------------------------------------------------


def test_the_customers_indicators(clock, api, integration, mgr_a, single, point):
    api(integration).post(URL, [one("A")], format="json")
    api(integration).post(READINGS, [reading("2026-10-01")], format="json")
    response = api(mgr_a).get(f"/api/v1/customers/{single.pk}/supply-quality/", {"months": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["months"] == 3
    assert (body["interruptions"], body["minutes_off"], body["longest_minutes"]) == (1, 90, 90)
    assert (body["planned"], body["fault"]) == (0, 1)
    assert body["voltage_pass_rate"] == pytest.approx(0.95)
    assert [m["month"] for m in body["monthly"]] == ["2026-09", "2026-10", "2026-11"]
    september = body["monthly"][0]
    assert september["voltage_pass_rate"] is None
    assert september["voltage_points_without_data"] == 1
    assert september["availability"] == 1


def test_the_indicators_refusals(clock, api, mgr_c, integration, single):
    url = f"/api/v1/customers/{single.pk}/supply-quality/"
    assert api(None).get(url).status_code == 401
    assert api(mgr_c).get(url).status_code == 404
    assert api(integration).get(url, {"months": "0"}).status_code == 400
    answer = api(integration).get(url, {"months": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert answer.json() == {"months": ["Give a number of months from 1 to 36."]}


def test_the_indicators_take_a_fixed_number_of_queries(
    clock, api, integration, single, point, django_assert_max_num_queries
):
    api(integration).post(URL, [one(f"R{n}") for n in range(5)], format="json")
    client = api(integration)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/customers/{single.pk}/supply-quality/")
    assert response.status_code == 200


def test_the_customers_timeline_shows_its_interruptions(clock, api, integration, mgr_a, single):
    api(integration).post(URL, [one("A")], format="json")
    entries = api(mgr_a).get(f"/api/v1/customers/{single.pk}/timeline/").json()
    rows = entries["results"] if isinstance(entries, dict) else entries
    supply = [e for e in rows if e["kind"] == "supply"]
    assert len(supply) == 1 and "E1" in supply[0]["summary"]


def register(customer, category):
    from common.actors import SYSTEM
    from complaints.intake import register_complaint

    complaint, _created = register_complaint(
        customer=customer,
        channel="hotline_95598",
        category=category,
        description="停电",
        acting_user=SYSTEM,
    )
    return complaint


def test_a_complaint_is_linked_through_the_api(clock, api, integration, mgr_a, mgr_c, single):
    interruption = api(integration).post(URL, one(), format="json").json()["id"]
    complaint = register(single, "outage")
    link_url = f"{URL}{interruption}/complaints/"
    first = api(mgr_a).post(link_url, {"complaint": complaint.pk}, format="json")
    again = api(mgr_a).post(link_url, {"complaint": complaint.pk}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["complaint"] == complaint.pk
    assert api(mgr_c).post(link_url, {"complaint": complaint.pk}, format="json").status_code == 404
    assert (
        api(integration).post(link_url, {"complaint": complaint.pk}, format="json").status_code
        == 403
    )
    billing = register(single, "billing")
    refused = api(mgr_a).post(link_url, {"complaint": billing.pk}, format="json")
    assert refused.status_code == 400 and "complaint" in refused.json()
