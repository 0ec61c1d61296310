"""The delta sync's fast path (billing.payment_json): PostgreSQL writes each payment exactly as
PaymentSerializer does, and a keyset page of the API is the same answer either way."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from billing import payment_json, payments
from billing.api.serializers import PaymentSerializer
from billing.models import Payment
from common.actors import SYSTEM
from tests.billing.factories import BillFactory, month

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(customer_for, mgr_a):
    """Payments with and without allocations, a reversal, odd notes and old moments."""
    customer = customer_for(mgr_a, name='引号"与\\反斜杠', account_no="3301999901")
    BillFactory(customer=customer, period=month("2025-05"), total=Decimal("100.10"))
    BillFactory(customer=customer, period=month("2025-06"), total=Decimal("50.00"))
    made = []
    moments = [
        dt.datetime(2025, 6, 3, 2, 0, 0, 123456, tzinfo=dt.UTC),  # microseconds
        dt.datetime(2025, 6, 30, 16, 0, tzinfo=dt.UTC),  # 1 July 00:00 in Shanghai
        dt.datetime(2024, 2, 29, 4, 5, 6, tzinfo=dt.UTC),
        dt.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
    ]
    for index, paid_at in enumerate(moments):
        with time_machine.travel(dt.datetime(2026, 1, 2, 8, index, 7, 1000 * index, tzinfo=dt.UTC)):
            payment, _ = payments.record_payment(
                customer,
                amount=Decimal(["120.10", "0.01", "30.00", "5.50"][index]),
                paid_at=paid_at,
                channel="bank",
                reference=f"JSON-{index}",
                note=["", "换行\n制表\t", "emoji 🙂", "<b>&'</b>"][index],
                acting_user=SYSTEM,
            )
        made.append(payment)
    with time_machine.travel(dt.datetime(2026, 1, 3, 9, 0, tzinfo=dt.UTC)):
        payments.reverse_payment(made[0], reason="退票", acting_user=SYSTEM)
    return made


def _serialized(ids):
    rows = Payment.objects.select_related("customer").order_by("updated_at", "pk")
    return [PaymentSerializer(p).data for p in rows.filter(pk__in=ids)]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata"])
def test_postgresql_writes_each_payment_as_the_serializer_does(mixed, zone):
    ids = [p.pk for p in mixed]
    with timezone.override(zone):
        written = json.loads(payment_json.payments_json(ids))
        assert written == json.loads(json.dumps(_serialized(ids)))
    assert any(row["allocations"] for row in written)
    assert any(row["reversed"] for row in written)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2025, 6, 3, 2, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 6, 3, 2, 0, 0, 120, tzinfo=dt.UTC),
        dt.datetime(1988, 7, 1, 3, 0, tzinfo=dt.UTC),  # Shanghai's summer time: +09:00
        dt.datetime(1895, 1, 1, 0, 0, 0, 500000, tzinfo=dt.UTC),  # local mean time: UTC
        dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC),  # New York's clocks go forward
        None,
    ],
)
def test_the_databases_moment_is_the_apis(moment, zone):
    from django.db import connection

    from common.api.fields import DateTimeField

    with timezone.override(zone), connection.cursor() as cursor:
        cursor.execute("SELECT crm_iso_moment(%s, %s)", [moment, zone])
        (written,) = cursor.fetchone()
        expected = None if moment is None else DateTimeField().to_representation(moment)
    assert written == expected


def test_no_ids_is_an_empty_list():
    assert payment_json.payments_json([]) == "[]"


def test_a_keyset_page_is_the_same_answer_as_the_serializers(api, integration, mixed, monkeypatch):
    client = api(integration)
    fast = client.get("/api/v1/payments/", {"cursor": "", "page_size": 3})
    assert fast.status_code == 200
    assert fast["Content-Type"] == "application/json"
    written_by_postgresql = payment_json.available
    monkeypatch.setattr(payment_json, "available", lambda: False)
    slow = client.get("/api/v1/payments/", {"cursor": "", "page_size": 3})
    assert slow.json() == fast.json()
    monkeypatch.setattr(payment_json, "available", written_by_postgresql)
    body = fast.json()
    assert body["count"] is None and body["previous"] is None and body["next"]
    assert body["results"] == json.loads(json.dumps(_serialized([p.pk for p in mixed])[:3]))
    rest = client.get(body["next"]).json()
    assert [row["id"] for row in body["results"] + rest["results"]] == [
        p.pk for p in Payment.objects.order_by("updated_at", "pk")
    ]
    assert rest["next"] is None
