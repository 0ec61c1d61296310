"""A reassignment racing a portfolio handover, against the real PostgreSQL (committed
transactions): both lock the customer rows first (customers.locks), so the later one sees the
earlier one's result instead of tripping over it."""

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction

from customers import portfolios as portfolio_moves
from customers.models import Assignment
from tests.factories import AssignmentFactory, CustomerFactory, UserFactory
from tests.threads import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)

MOMENT = dt.datetime(2025, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_reassignment_during_a_handover_waits_and_then_reassigns_from_the_new_manager(
    mgr_a, mgr_b, sup_east, east
):
    assert connection.vendor == "postgresql"
    mgr_d = UserFactory(region=east, supervisor=sup_east, role="account_manager")
    customers = [CustomerFactory(region=east) for _ in range(3)]
    for customer in customers:
        AssignmentFactory(customer=customer, manager=mgr_a, start=dt.date(2025, 1, 1))
    target = customers[1]
    handed_over = threading.Event()
    events = []

    def handover():
        with transaction.atomic():  # hold the handover's locks a while before committing
            portfolio_moves.handover_portfolio(
                mgr_a, to_manager=mgr_b, effective=dt.date(2025, 7, 1), acting_user=sup_east
            )
            handed_over.set()
            time.sleep(0.5)
            events.append("handover committed")

    def reassign():
        assert handed_over.wait(timeout=10)
        portfolio_moves.assign_customer(
            target, manager=mgr_d, start=dt.date(2025, 7, 2), acting_user=sup_east
        )
        events.append("reassigned")

    with time_machine.travel(MOMENT, tick=False):
        errors = run_in_threads(handover, reassign)

    assert errors == []
    assert events == ["handover committed", "reassigned"]
    rows = {
        (a.customer_id, a.manager_id, a.start, a.end)
        for a in Assignment.objects.filter(customer__in=customers)
    }
    assert rows == {
        *{(c.pk, mgr_a.pk, dt.date(2025, 1, 1), dt.date(2025, 6, 30)) for c in customers},
        *{(c.pk, mgr_b.pk, dt.date(2025, 7, 1), None) for c in customers if c != target},
        (target.pk, mgr_b.pk, dt.date(2025, 7, 1), dt.date(2025, 7, 1)),
        (target.pk, mgr_d.pk, dt.date(2025, 7, 2), None),
    }
