"""The coverage export neutralises hostile customer and contact names (formula injection)."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from outages import notices
from tests.outages.factories import approved_outage, supplied_customer

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_coverage_export_neutralises_hostile_names(client, grid, sup_east, mgr_a, fmt):
    customer = supplied_customer(grid["e1"], contacts=1, manager=mgr_a, name=HOSTILE)
    customer.contacts.update(name="@SUM(1+1)")
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    client.force_login(sup_east)
    response = client.get(reverse("outages:coverage", args=[outage.pk]), {"export": fmt})
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[1][2] == "'" + HOSTILE and rows[1][7] == "'@SUM(1+1)"
        assert not any(cell.startswith(("=", "@")) for row in rows for cell in row)
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        name, contact = sheet.cell(row=2, column=3), sheet.cell(row=2, column=8)
        assert name.data_type == "s" and name.value == "'" + HOSTILE
        assert contact.data_type == "s" and contact.value == "'@SUM(1+1)"
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
