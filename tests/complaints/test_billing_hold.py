"""An open billing complaint holds the customer's disconnection for arrears (billing part)."""

import datetime as dt

import pytest
import time_machine

from billing.disconnections import request_disconnection
from common.errors import DomainError
from complaints import closure
from complaints.models import Status
from tests.billing.factories import ActionFactory, BillFactory, NoticeFactory
from tests.complaints.conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_arrears(customer_for, mgr_a):
    """A customer whose December bill is 36 days overdue, urged and served a notice."""
    customer = customer_for(mgr_a)
    BillFactory(customer=customer, period=dt.date(2025, 12, 1))  # due 2026-01-25
    ActionFactory(customer=customer, kind="call", at=local(2026, 2, 10, 10, 0))
    NoticeFactory(customer=customer, at=local(2026, 2, 20, 10, 0))
    return customer


def test_disconnection_is_refused_while_a_billing_complaint_is_open_and_allowed_once_closed(
    in_arrears, register, drive, mgr_a, sup_east
):
    with time_machine.travel(local(2026, 3, 2, 9, 0), tick=False):
        complaint = register(in_arrears, category="billing", description="对电费金额有异议")
        drive(complaint, Status.RESOLVED)
        # Resolved is not settled: the customer has not confirmed it on the callback yet.
        with pytest.raises(DomainError) as exc:
            request_disconnection(in_arrears, scheduled_for=dt.date(2026, 3, 4), acting_user=mgr_a)
        assert exc.value.code == "billing_complaint_open"

        closure.record_callback(complaint, acting_user=sup_east, satisfaction=4, solved=True)
        disconnection = request_disconnection(
            in_arrears, scheduled_for=dt.date(2026, 3, 4), acting_user=mgr_a
        )
    assert disconnection.status == "requested"
