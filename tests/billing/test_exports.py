"""The arrears export and the import templates neutralise formula-like text."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.billing.test_views import overdue_customer

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def today(clock):
    return clock("2025-06-03 09:00")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_arrears_export_neutralises_a_hostile_name(client, today, customer_for, mgr_a, fmt):
    overdue_customer(customer_for, mgr_a, name=HOSTILE, total="1234.50")
    client.force_login(mgr_a)
    response = client.get(reverse("billing:arrears"), {"export": fmt})
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[1][1] == "'" + HOSTILE and rows[1][4] == "1234.50"
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        name, outstanding = sheet["B2"], sheet["E2"]
        assert name.data_type == "s" and name.value == "'" + HOSTILE
        assert outstanding.data_type == "n" and Decimal(str(outstanding.value)) == Decimal("1234.5")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_bill_template_keeps_its_negative_example_a_number(client, admin_user, fmt):
    client.force_login(admin_user)
    response = client.get(reverse("billing:import_template", args=["bills", fmt]))
    assert response.status_code == 200
    if fmt == "csv":
        header, example = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert example[header.index("power_factor_adjustment")] == "-390.00"
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        header = [c.value for c in sheet[1]]
        assert sheet[2][header.index("power_factor_adjustment")].value == "-390.00"
