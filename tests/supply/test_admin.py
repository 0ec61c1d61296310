"""The admin pages of supply quality open, and a monitoring point is added through the service."""

import pytest
from django.test import Client

from supply.models import MonitoringPoint

pytestmark = pytest.mark.django_db

MODELS = ["interruption", "supplyevent", "voltagereading", "qualityepisode", "complaintlink",
          "monitoringpoint"]  # fmt: skip


@pytest.fixture
def admin_client_(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_the_admin_lists_open(clock, admin_client_, history_rows, model):
    assert admin_client_.get(f"/admin/supply/{model}/").status_code == 200


@pytest.fixture
def history_rows(single, grid, record, point):
    from tests.supply.conftest import local

    record("A-1", grid["e1"], local(2026, 10, 3, 8), local(2026, 10, 3, 9))


def test_a_point_added_in_the_admin_goes_through_the_service(clock, admin_client_, single):
    response = admin_client_.post(
        "/admin/supply/monitoringpoint/add/",
        {
            "code": "VM-ADM",
            "name": "进线",
            "customer": single.pk,
            "supply_point": single.supply_points.get().pk,
            "voltage_class": "10kv",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    point = MonitoringPoint.objects.get(code="VM-ADM")
    assert point.supply_point.feeder.code == "E1"
