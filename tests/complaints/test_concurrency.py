"""Concurrent registrations and job runs against the real PostgreSQL (committed transactions)."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from common.actors import SYSTEM
from complaints import services, sla
from complaints.models import Complaint, ComplaintEvent
from tests.complaints.conftest import local

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def in_threads(target, count=THREADS):
    """Run target(i) in `count` threads started together; return results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_concurrent_registrations_get_distinct_consecutive_numbers(customer_for, mgr_a):
    assert connection.vendor == "postgresql"
    customer = customer_for(mgr_a)

    def register(i):
        complaint, _ = services.register_complaint(
            customer=customer,
            channel="counter",
            category="service",
            description=f"第{i}位来访",
            received_at=local(2026, 3, 6, 10, 0),
            acting_user=SYSTEM,
        )
        return complaint.ticket_no

    with time_machine.travel(local(2026, 3, 6, 11, 0)):  # a receipt time in the past
        numbers, errors = in_threads(register)
    assert errors == []
    assert sorted(numbers) == [f"TS20260306{n:04d}" for n in range(1, THREADS + 1)]


def test_concurrent_pushes_of_one_hotline_ticket_create_it_once(customer_for, mgr_a):
    customer = customer_for(mgr_a)

    def push(i):
        complaint, created = services.register_complaint(
            customer=customer,
            channel="hotline_95598",
            category="outage",
            description="频繁停电",
            external_ref="95598-20260306-0001",
            acting_user=SYSTEM,
        )
        return complaint.pk, created

    results, errors = in_threads(push)
    assert errors == []
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Complaint.objects.count() == 1


def test_concurrent_job_runs_escalate_once(customer_for, mgr_a, sup_east):
    with time_machine.travel(local(2026, 3, 6, 10, 0), tick=False):
        complaint, _ = services.register_complaint(
            customer=customer_for(mgr_a),
            channel="counter",
            category="metering",
            description="电表走字异常",
            acting_user=SYSTEM,
        )

    def run(i):
        with time_machine.travel(local(2026, 3, 7, 10, 30), tick=False):
            return sla.check_deadlines()

    results, errors = in_threads(run, count=4)
    assert errors == []
    assert sum(r["ack_breach"] for r in results) == 1
    complaint.refresh_from_db()
    assert complaint.escalation_level == 1
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="escalated").count() == 1
