"""Payments are allocated oldest due first; overpayment is credit; reversal undoes it."""

import datetime as dt
from decimal import Decimal

import pytest

from billing import payments, services
from billing.models import Bill, PaymentAllocation
from common.actors import SYSTEM
from common.errors import DomainError, TransitionNotAllowed
from tests.billing.factories import BillFactory, month

pytestmark = pytest.mark.django_db


def amounts(customer):
    """{period: (paid, outstanding, status)} from the SQL annotations."""
    return {
        b.period_label: (b.paid_amount, b.outstanding_amount, b.bill_status)
        for b in Bill.objects.filter(customer=customer).with_amounts()
    }


@pytest.fixture
def customer(customer_for, mgr_a, clock):
    clock("2025-06-02")
    return customer_for(mgr_a)


@pytest.fixture
def three_bills(customer):
    return [
        BillFactory(customer=customer, period=month(p), total=Decimal(t))
        for p, t in (("2025-03", "300.00"), ("2025-01", "100.00"), ("2025-02", "200.00"))
    ]


def test_partial_payment_goes_to_the_oldest_bill(customer, three_bills, pay):
    pay(customer, "60.00")
    assert amounts(customer) == {
        "2025-01": (Decimal("60.00"), Decimal("40.00"), "partially_paid"),
        "2025-02": (Decimal("0.00"), Decimal("200.00"), "open"),
        "2025-03": (Decimal("0.00"), Decimal("300.00"), "open"),
    }


def test_payment_spreads_over_several_bills_oldest_due_first(customer, three_bills, pay):
    pay(customer, "250.00")
    assert amounts(customer) == {
        "2025-01": (Decimal("100.00"), Decimal("0.00"), "paid"),
        "2025-02": (Decimal("150.00"), Decimal("50.00"), "partially_paid"),
        "2025-03": (Decimal("0.00"), Decimal("300.00"), "open"),
    }


def test_exact_payment_settles_every_bill_on_the_payment_day(customer, three_bills, pay):
    pay(customer, "600.00", day="2025-05-30")
    assert {b.settled_on for b in Bill.objects.filter(customer=customer)} == {dt.date(2025, 5, 30)}
    assert payments.customer_credit(customer.pk) == Decimal("0.00")


def test_overpayment_becomes_credit_that_the_next_bill_consumes(customer, three_bills, pay):
    pay(customer, "700.00")
    assert payments.customer_credit(customer.pk) == Decimal("100.00")

    result = services.import_bills(
        [
            {
                "account_no": customer.account_no,
                "period": "2025-04",
                "issue_date": "2025-05-05",
                "due_date": "2025-05-25",
                "energy_kwh": "1000",
                "energy_charge": "150.00",
            }
        ],
        acting_user=SYSTEM,
    )

    assert result.created == 1
    assert amounts(customer)["2025-04"] == (Decimal("100.00"), Decimal("50.00"), "partially_paid")
    assert payments.customer_credit(customer.pk) == Decimal("0.00")


def test_reversal_undoes_the_allocations(customer, three_bills, pay):
    payment = pay(customer, "250.00")

    payments.reverse_payment(payment, reason="银行退票", acting_user=SYSTEM)

    assert not PaymentAllocation.objects.filter(payment=payment).exists()
    assert {v[2] for v in amounts(customer).values()} == {"open"}
    assert not Bill.objects.filter(customer=customer, settled_on__isnull=False).exists()


def test_reversal_lets_remaining_credit_pay_the_reopened_bill(customer, pay):
    BillFactory(customer=customer, period=month("2025-01"), total=Decimal("100.00"))
    first = pay(customer, "100.00")
    pay(customer, "80.00")  # all credit: nothing left to pay
    assert payments.customer_credit(customer.pk) == Decimal("80.00")

    payments.reverse_payment(first, acting_user=SYSTEM)

    assert amounts(customer)["2025-01"] == (Decimal("80.00"), Decimal("20.00"), "partially_paid")
    assert payments.customer_credit(customer.pk) == Decimal("0.00")


def test_a_payment_cannot_be_reversed_twice(customer, three_bills, pay):
    payment = pay(customer, "10.00")
    payments.reverse_payment(payment, acting_user=SYSTEM)
    with pytest.raises(TransitionNotAllowed):
        payments.reverse_payment(payment, acting_user=SYSTEM)


def test_same_channel_and_reference_is_recorded_once(customer, three_bills, pay):
    first = pay(customer, "50.00", reference="BK-1")
    again, created = payments.record_payment(
        customer,
        amount=Decimal("50.00"),
        paid_at=first.paid_at,
        channel="bank",
        reference="BK-1",
        acting_user=SYSTEM,
    )
    assert (again.pk, created) == (first.pk, False)
    assert PaymentAllocation.objects.filter(payment=first).count() == 1


def test_same_reference_with_another_amount_is_refused(customer, three_bills, pay):
    pay(customer, "50.00", reference="BK-1")
    with pytest.raises(DomainError) as exc:
        pay(customer, "51.00", reference="BK-1")
    assert exc.value.field == "reference"


def test_lowering_a_paid_bill_returns_the_excess_as_credit(customer, pay):
    BillFactory(customer=customer, period=month("2025-01"), total=Decimal("100.00"))
    pay(customer, "100.00")

    services.import_bills(
        [
            {
                "account_no": customer.account_no,
                "period": "2025-01",
                "issue_date": "2025-02-05",
                "due_date": "2025-02-25",
                "energy_kwh": "10000",
                "energy_charge": "90.00",
            }
        ],
        acting_user=SYSTEM,
    )

    assert amounts(customer)["2025-01"] == (Decimal("90.00"), Decimal("0.00"), "paid")
    assert payments.customer_credit(customer.pk) == Decimal("10.00")


def test_raising_a_paid_bill_reopens_it(customer, pay):
    BillFactory(customer=customer, period=month("2025-01"), total=Decimal("100.00"))
    pay(customer, "100.00")

    services.import_bills(
        [
            {
                "account_no": customer.account_no,
                "period": "2025-01",
                "issue_date": "2025-02-05",
                "due_date": "2025-02-25",
                "energy_kwh": "10000",
                "energy_charge": "120.00",
            }
        ],
        acting_user=SYSTEM,
    )

    bill = Bill.objects.with_amounts().get(customer=customer)
    assert (bill.outstanding_amount, bill.bill_status, bill.settled_on) == (
        Decimal("20.00"),
        "partially_paid",
        None,
    )
