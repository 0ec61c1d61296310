"""Lists keep a stable order (`?ordering=` with the id breaking ties) and find deep pages through
their ids (common.paging), with the same rows as plain OFFSET pages."""

import pytest

from common import paging
from tests.billing.factories import BillFactory, month

pytestmark = pytest.mark.django_db


def every_page(client, path, **params):
    rows, page = [], 1
    while True:
        answer = client.get(path, {**params, "page": page})
        assert answer.status_code == 200, answer.json()
        body = answer.json()
        rows += [row["id"] for row in body["results"]]
        if not body["next"]:
            return rows, body["count"]
        page += 1


@pytest.fixture
def bills(customer_for, mgr_a, mgr_c):
    made = []
    for customer in (customer_for(mgr_a), customer_for(mgr_a), customer_for(mgr_c)):
        for m in range(1, 8):
            # Equal totals: only the id can order them among themselves.
            made.append(BillFactory(customer=customer, period=month(f"2025-{m:02d}")))
    return made


@pytest.mark.parametrize("ordering", ["total", "-total", "due_date", "-period", ""])
def test_deep_pages_hold_the_same_rows_as_offset_pages(
    api, integration, bills, monkeypatch, ordering
):
    client = api(integration)
    params = {"page_size": 4, **({"ordering": ordering} if ordering else {})}
    plain, count = every_page(client, "/api/v1/bills/", **params)
    monkeypatch.setattr(paging, "DEFERRED_FROM", 1)
    deferred, deferred_count = every_page(client, "/api/v1/bills/", **params)
    assert deferred == plain
    assert count == deferred_count == len(bills)
    assert sorted(plain) == sorted(b.pk for b in bills)  # every row once


def test_equal_values_are_ordered_by_id_in_the_direction_asked(api, integration, bills):
    client = api(integration)
    ascending, _ = every_page(client, "/api/v1/bills/", ordering="total", page_size=5)
    descending, _ = every_page(client, "/api/v1/bills/", ordering="-total", page_size=5)
    assert ascending == sorted(b.pk for b in bills)
    assert descending == ascending[::-1]


def test_a_deep_page_costs_the_same_statements_whatever_the_page(
    api, integration, bills, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(paging, "DEFERRED_FROM", 1)
    client = api(integration)
    client.get("/api/v1/bills/", {"page_size": 2, "page": 2})  # warm
    counted = []
    for page in (2, 5, 10):
        with django_assert_max_num_queries(50) as captured:
            assert client.get("/api/v1/bills/", {"page_size": 2, "page": page}).status_code == 200
        counted.append(len(captured.captured_queries))
    assert len(set(counted)) == 1
