"""customers.locks: the one way to lock customer rows (ascending ids, inside a transaction)."""

import re
import threading
import time

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from customers.locks import lock_customer, lock_customers
from customers.models import Customer
from tests.factories import CustomerFactory
from tests.threads import run_in_threads


@pytest.mark.django_db
def test_locks_in_ascending_id_order_in_one_query_and_returns_existing_ids():
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()
    missing = c.pk + 1000
    with CaptureQueriesContext(connection) as ctx:
        locked = lock_customers([c.pk, missing, a.pk, b.pk, c.pk])
    assert locked == sorted([a.pk, b.pk, c.pk])
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    assert re.search(r'ORDER BY (1|"customers_customer"\."id") ASC FOR UPDATE$', sql), sql


@pytest.mark.django_db
def test_nothing_to_lock_runs_no_query():
    with CaptureQueriesContext(connection) as ctx:
        assert lock_customers([]) == []
    assert ctx.captured_queries == []


@pytest.mark.django_db
def test_lock_customer_returns_the_fresh_row_or_raises_for_a_missing_one():
    customer = CustomerFactory(name="旧名")
    Customer.objects.filter(pk=customer.pk).update(name="新名")
    assert lock_customer(customer).name == "新名"
    assert lock_customer(customer.pk).pk == customer.pk
    with pytest.raises(Customer.DoesNotExist):
        lock_customer(customer.pk + 1000)


@pytest.mark.django_db(transaction=True)
def test_refuses_outside_a_transaction():
    customer = CustomerFactory()
    assert not connection.in_atomic_block
    for call in (
        lambda: lock_customers([customer.pk]),
        lambda: lock_customers([]),
        lambda: lock_customer(customer),
    ):
        with pytest.raises(TransactionManagementError, match=r"inside transaction\.atomic"):
            call()
    with transaction.atomic():
        assert lock_customers([customer.pk]) == [customer.pk]


@pytest.mark.django_db(transaction=True)
def test_a_second_transaction_waits_for_the_first_to_commit():
    assert connection.vendor == "postgresql"
    ids = [CustomerFactory().pk for _ in range(3)]
    first_holds = threading.Event()
    events = []

    def first():
        with transaction.atomic():
            lock_customers(ids)
            first_holds.set()
            time.sleep(0.3)
            events.append("first commits")

    def second():
        assert first_holds.wait(timeout=10)
        with transaction.atomic():
            lock_customers(reversed(ids[1:]))  # overlaps the first set, given in reverse
            events.append("second locked")

    assert run_in_threads(first, second, start_together=True) == []
    assert events == ["first commits", "second locked"]


@pytest.mark.django_db(transaction=True)
def test_overlapping_sets_in_opposite_orders_never_deadlock():
    """Two connections lock overlapping sets, listed in opposite orders, over and over, each
    writing the rows it holds; PostgreSQL would abort one with a deadlock if they were taken in
    the order given."""
    assert connection.vendor == "postgresql"
    ids = [CustomerFactory().pk for _ in range(6)]
    rounds = 25

    def worker(order):
        for i in range(rounds):
            with transaction.atomic():
                locked = lock_customers(order)
                assert locked == sorted(order)
                for pk in order:  # hold the locks while touching every row, in the order given
                    Customer.objects.filter(pk=pk).update(name=f"第{i}轮")

    errors = run_in_threads(
        lambda: worker(ids[:4]),
        lambda: worker(list(reversed(ids[2:]))),
        lambda: worker([ids[5], ids[0], ids[3]]),
        start_together=True,
    )
    assert errors == []
