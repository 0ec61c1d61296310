"""Delta sync for integration clients (API.md "Delta sync"): `?updated_since=` and keyset pages
(`?cursor=`) on customers, bills, payments, complaints, notifications and follow-ups."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from billing import payments
from common.actors import SYSTEM
from common.api.pagination import SyncPagination
from customers import services as customer_services
from risk import overrides as risk_overrides
from tests.billing.factories import BillFactory, month
from tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db

SYNCED = ["customers", "bills", "payments", "complaints", "notifications", "followups"]
START = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC)


def sync(client, path, page_size=2, **params):
    """Every row of a keyset sync, page by page, and the answers."""
    answer = client.get(f"/api/v1/{path}/", {"cursor": "", "page_size": page_size, **params})
    assert answer.status_code == 200, answer.json()
    pages = [answer.json()]
    while pages[-1]["next"]:
        answer = client.get(pages[-1]["next"])
        assert answer.status_code == 200, answer.json()
        pages.append(answer.json())
    return [row for page in pages for row in page["results"]], pages


@pytest.mark.parametrize("path", SYNCED)
def test_every_synced_list_takes_updated_since_and_a_cursor(api, integration, path):
    client = api(integration)
    answer = client.get(f"/api/v1/{path}/", {"cursor": "", "updated_since": START.isoformat()})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["count"] is None
    assert body["previous"] is None


def test_a_sync_returns_every_row_once_in_the_order_of_change(
    api, integration, customer_for, mgr_a
):
    made = []
    for minute in range(5):
        with time_machine.travel(START + dt.timedelta(minutes=minute), tick=False):
            made.append(customer_for(mgr_a))
    rows, pages = sync(api(integration), "customers")
    assert [row["id"] for row in rows] == [c.pk for c in made]
    assert all("updated_at" in row for row in rows)
    assert len(pages) == 3 and all(page["count"] is None for page in pages)


def test_a_row_changed_during_the_sync_comes_again_before_it_ends(
    api, integration, customer_for, mgr_a
):
    made = []
    for minute in range(4):
        with time_machine.travel(START + dt.timedelta(minutes=minute), tick=False):
            made.append(customer_for(mgr_a))
    client = api(integration)
    first = client.get("/api/v1/customers/", {"cursor": "", "page_size": 2}).json()
    assert [row["id"] for row in first["results"]] == [made[0].pk, made[1].pk]
    # Meanwhile its manager renames the first customer.
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        customer_services.update_customer(made[0], acting_user=mgr_a, name="改名后的客户")
    rest = []
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        rest.extend(page["results"])
    assert [row["id"] for row in rest] == [made[2].pk, made[3].pk, made[0].pk]
    assert rest[-1]["name"] == "改名后的客户"


def test_updated_since_is_at_or_after_the_moment(api, integration, customer_for, mgr_a):
    with time_machine.travel(START, tick=False):
        old = customer_for(mgr_a)
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        new = customer_for(mgr_a)
    since = (START + dt.timedelta(hours=1)).isoformat()
    page = api(integration).get("/api/v1/customers/", {"updated_since": since}).json()
    assert [row["id"] for row in page["results"]] == [new.pk]
    assert page["count"] == 1  # page numbers keep their exact count
    assert old.pk not in [
        row["id"] for row in sync(api(integration), "customers", updated_since=since)[0]
    ]


def test_settling_a_bill_by_a_payment_brings_the_bill_into_the_next_sync(
    api, integration, customer_for, mgr_a
):
    customer = customer_for(mgr_a)
    with time_machine.travel(START, tick=False):
        bill = BillFactory(customer=customer, period=month("2025-04"), total=Decimal("300.00"))
    paid_at = START + dt.timedelta(days=1)
    with time_machine.travel(paid_at, tick=False):
        payments.record_payment(
            customer,
            amount=Decimal("300.00"),
            paid_at=paid_at,
            channel="bank",
            reference="SYNC-1",
            acting_user=SYSTEM,
        )
    rows, _pages = sync(api(integration), "bills", updated_since=paid_at.isoformat())
    assert [row["id"] for row in rows] == [bill.pk]
    assert rows[0]["settled_on"] is not None


def test_follow_ups_and_payments_sync_too(api, integration, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    with time_machine.travel(START, tick=False):
        followup = FollowUpFactory(customer=customer, manager=mgr_a)
        BillFactory(customer=customer, period=month("2025-04"))
        payment, _ = payments.record_payment(
            customer,
            amount=Decimal("10.00"),
            paid_at=START,
            channel="bank",
            reference="SYNC-2",
            acting_user=SYSTEM,
        )
    client = api(integration)
    assert [r["id"] for r in sync(client, "followups")[0]] == [followup.pk]
    assert [r["id"] for r in sync(client, "payments")[0]] == [payment.pk]


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "W10",  # []
        "WyJ4IiwgMV0",  # ["x", 1]
        "WyIyMDI1LTA2LTAyVDA5OjAwOjAwIiwgMV0",  # a moment without its offset
        SyncPagination._encode(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), 2**70),  # id too large
        # A moment before year 1 once in UTC.
        SyncPagination._encode(dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))), 1),
    ],
)
def test_a_cursor_the_api_did_not_give_out_is_bad_input(api, integration, cursor):
    answer = api(integration).get("/api/v1/customers/", {"cursor": cursor})
    assert answer.status_code == 400
    assert "cursor" in answer.json()


def test_a_keyset_page_costs_the_same_queries_whatever_the_rows(
    api, integration, customer_for, mgr_a, django_assert_max_num_queries
):
    for _ in range(3):
        customer_for(mgr_a)
    client = api(integration)
    with django_assert_max_num_queries(8) as few:
        client.get("/api/v1/customers/", {"cursor": "", "page_size": 50})
    for _ in range(20):
        customer_for(mgr_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/api/v1/customers/", {"cursor": "", "page_size": 50})


def test_a_sync_never_leaves_the_callers_scope(api, mgr_a, mgr_b, customer_for):
    mine = customer_for(mgr_a)
    customer_for(mgr_b)
    assert [r["id"] for r in sync(api(mgr_a), "customers")[0]] == [mine.pk]


def test_the_time_the_clock_reads_is_local(api, integration):
    # An offset the database cannot represent is converted first, like every moment filter.
    answer = api(integration).get(
        "/api/v1/customers/", {"cursor": "", "updated_since": timezone.now().isoformat()}
    )
    assert answer.status_code == 200


def test_a_risk_override_brings_the_customer_into_the_next_sync(
    api, integration, customer_for, mgr_a
):
    with time_machine.travel(START, tick=False):
        customer = customer_for(mgr_a)
    later = START + dt.timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        risk_overrides.set_risk_override(
            customer, level="high", reason="担保到期", acting_user=mgr_a
        )
    rows, _pages = sync(api(integration), "customers", updated_since=later.isoformat())
    assert [(row["id"], row["risk_level"]) for row in rows] == [(customer.pk, "high")]
