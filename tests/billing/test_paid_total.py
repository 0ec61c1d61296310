"""`Bill.paid_total`: the sum of the bill's allocations, kept by the database in the same
statement as the allocations (billing migration 0008), whatever writes them."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from billing import payments, services
from billing.models import Bill, BillStatus, PaymentAllocation
from common.actors import SYSTEM
from tests.billing.factories import BillFactory, month

pytestmark = pytest.mark.django_db


def assert_kept():
    for bill in Bill.objects.all():
        total = PaymentAllocation.objects.filter(bill=bill).aggregate(s=Sum("amount"))["s"]
        assert bill.paid_total == (total or Decimal("0")), bill


def test_payments_reversals_and_trims_keep_it(customer_for, mgr_a, pay):
    customer = customer_for(mgr_a)
    first = BillFactory(customer=customer, period=month("2025-01"), total=Decimal("100.00"))
    BillFactory(customer=customer, period=month("2025-02"), total=Decimal("100.00"))
    assert_kept()
    one = pay(customer, "150.00", day="2025-03-01", reference="P1")
    assert_kept()
    pay(customer, "30.00", day="2025-03-01", reference="P2")
    assert_kept()
    payments.reverse_payment(one, reason="退票", acting_user=SYSTEM)
    assert_kept()
    # An allocation changed in place (as trimming does) moves the sum with it.
    allocation = PaymentAllocation.objects.filter(bill=first).first()
    if allocation is not None:
        allocation.amount = Decimal("1.00")
        allocation.save()
        assert_kept()
    PaymentAllocation.objects.all().delete()
    assert_kept()


def test_the_code_cannot_overwrite_it(customer_for, mgr_a, pay):
    customer = customer_for(mgr_a)
    bill = BillFactory(customer=customer, period=month("2025-01"), total=Decimal("100.00"))
    stale = Bill.objects.get(pk=bill.pk)  # read before the payment
    pay(customer, "40.00", day="2025-03-01", reference="P1")
    stale.total = Decimal("120.00")
    stale.save()  # a full save writes every column, the stale paid_total included
    Bill.objects.filter(pk=bill.pk).update(paid_total=Decimal("999.00"))
    assert Bill.objects.get(pk=bill.pk).paid_total == Decimal("40.00")
    made = BillFactory(customer=customer, period=month("2025-02"), paid_total=Decimal("5.00"))
    assert Bill.objects.get(pk=made.pk).paid_total == Decimal("0.00")


@pytest.mark.parametrize("status", [s.value for s in BillStatus])
def test_the_status_filter_is_the_status_the_list_shows(
    api, integration, customer_for, mgr_a, status, pay
):
    customer = customer_for(mgr_a)
    for m in range(1, 5):
        BillFactory(customer=customer, period=month(f"2025-{m:02d}"), total=Decimal("100.00"))
    pay(customer, "150.00", day="2025-03-01", reference="P1")  # January paid, February partly
    written_off = Bill.objects.get(customer=customer, period=month("2025-04"))
    services.write_off_bill(written_off, reason="破产清算", acting_user=SYSTEM)
    client = api(integration)
    everything = client.get("/api/v1/bills/").json()["results"]
    expected = sorted(row["id"] for row in everything if row["status"] == status)
    assert expected, status  # each status is present
    answer = client.get("/api/v1/bills/", {"status": status}).json()
    assert sorted(row["id"] for row in answer["results"]) == expected
    assert answer["count"] == len(expected)
