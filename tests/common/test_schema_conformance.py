"""The six causes of answers that broke their own schema (issue 11 §6.10), each reproduced:
the answers now match the served schema (every /api/v1/ answer of the suite is validated by
the fixture in tests/conftest.py), and the validator rejects each cause if it came back."""

import datetime as dt
import json

import pytest
import time_machine
from django.http import JsonResponse

from billing.models import CollectionAction
from common.actors import SYSTEM
from complaints import services as complaint_services
from tests.outages.factories import make_outage
from tests.schema_validation import served_schema_validator

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 3, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def problems(method: str, path: str, body, status: int = 200):
    return served_schema_validator().problems(
        method, path, JsonResponse(body, status=status, safe=False)
    )


def test_a_new_complaint_and_its_events_answer_null_not_blank(api, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    complaint, _ = complaint_services.register_complaint(
        customer=customer,
        channel="hotline_95598",
        category="power_quality",
        description="电压波动",
        acting_user=SYSTEM,
    )
    client = api(mgr_a)
    body = client.get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert body["responsibility"] is None
    assert body["customer_informed_via"] is None
    events = client.get(f"/api/v1/complaints/{complaint.pk}/events/").json()
    created = events[-1] if isinstance(events, list) else events["results"][-1]
    assert created["from_status"] is None
    assert created["actor_name"] is None

    # The validator would refuse the old answers.
    path = f"/api/v1/complaints/{complaint.pk}/"
    assert "responsibility" in problems("GET", path, {**body, "responsibility": ""})
    assert problems("GET", path, body) is None


def test_an_unapproved_outage_and_an_unattributed_action_answer_null_ids(
    api, admin_user, sup_east, feeder_east, customer_for
):
    outage = make_outage(sup_east, [feeder_east], start=NOW + dt.timedelta(days=10))
    body = api(admin_user).get(f"/api/v1/outages/{outage.pk}/").json()
    assert body["approved_by"] is None

    customer = customer_for(None)
    CollectionAction.objects.create(customer=customer, kind="call", at=NOW, recorded_by=None)
    listed = api(admin_user).get("/api/v1/collection-actions/").json()
    assert listed["results"][0]["recorded_by"] is None


def test_the_validator_rejects_local_mean_time_offsets(api, admin_user, sup_east, feeder_east):
    outage = make_outage(sup_east, [feeder_east], start=NOW + dt.timedelta(days=10))
    path = f"/api/v1/outages/{outage.pk}/"
    body = api(admin_user).get(path).json()
    assert problems("GET", path, body) is None
    lmt = {**body, "start": "1900-01-01T12:00:00+08:05:43"}
    assert "start" in problems("GET", path, lmt)


def test_the_validator_rejects_an_undocumented_status(api, admin_user):
    assert "not documented" in problems("GET", "/api/v1/customers/", {"detail": "x"}, status=418)


def test_every_operation_is_known_to_the_validator():
    validator = served_schema_validator()
    assert validator.operation("/api/v1/customers/12/timeline/", "get") is not None
    assert validator.operation("/api/v1/bills/import/", "post") is not None
    assert json.dumps(validator.root)  # the components convert to plain JSON Schema
