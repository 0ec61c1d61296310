"""Concurrent payments for one customer serialise on its row lock; the totals stay exact."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from billing import payments
from billing.models import Bill, Payment, PaymentAllocation
from tests.billing.factories import BillFactory, month

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_payments_leave_exact_allocations(api, customer_for, integration):
    assert connection.vendor == "postgresql"
    customer = customer_for(None)
    for m in range(1, 7):
        BillFactory(customer=customer, period=month(f"2025-0{m}"), total=Decimal("1000.00"))
    amounts = [Decimal("333.33") + i for i in range(THREADS)]  # 8,566.60 in all
    barrier = threading.Barrier(THREADS)
    statuses, failures = [], []

    def post(index: int) -> None:
        try:
            client = api(integration)
            barrier.wait(timeout=30)
            response = client.post(
                "/api/v1/payments/",
                {
                    "customer": customer.pk,
                    "amount": str(amounts[index]),
                    "channel": "bank",
                    "reference": f"CONC-{index}",
                },
                format="json",
            )
            statuses.append(response.status_code)
        except Exception as exc:  # reported below; a thread's exception is otherwise lost
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert statuses == [201] * THREADS
    paid = sum(amounts, Decimal("0"))
    allocated = PaymentAllocation.objects.aggregate(s=Sum("amount"))["s"]
    assert allocated == Decimal("6000.00")  # every bill fully paid, never more
    assert payments.customer_credit(customer.pk) == paid - allocated
    per_bill = Bill.objects.with_amounts().filter(customer=customer)
    assert {(b.paid_amount, b.bill_status) for b in per_bill} == {(Decimal("1000.00"), "paid")}
    for payment in Payment.objects.with_allocated():
        assert Decimal("0") <= payment.allocated_amount <= payment.amount
