"""The dashboard's exports neutralise hostile customer and manager names (formula injection)."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example","x")'


def _rows(response, fmt):
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows()]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_top_debtors_and_league_exports_neutralise_hostile_names(
    clock, bill, customer_for, mgr_a, sup_east, client, fmt
):
    clock("2025-06-16 10:00")
    bill(customer_for(mgr_a, name=HOSTILE), 5000, due="2025-05-20")
    mgr_a.name = "@SUM(1+1)"
    mgr_a.save(update_fields=["name"])
    client.force_login(sup_east)
    debtors = _rows(client.get(reverse("dashboards:export", args=["top_debtors", fmt])), fmt)
    league = _rows(client.get(reverse("dashboards:export", args=["league", fmt])), fmt)
    if fmt == "csv":
        assert debtors[1][1] == "'" + HOSTILE
        assert debtors[1][3] == "5000.00"
        assert any(row[0].startswith("'@SUM") for row in league[1:])
    else:
        name, overdue = debtors[1][1], debtors[1][3]
        assert name.data_type == "s" and name.value == "'" + HOSTILE
        assert overdue.data_type == "n" and Decimal(str(overdue.value)) == Decimal("5000")
        manager = next(row[0] for row in league[1:] if "SUM" in str(row[0].value))
        assert manager.data_type == "s" and manager.value.startswith("'@SUM")
        assert not any(c.data_type == "f" for row in debtors + league for c in row)
