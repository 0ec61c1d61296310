"""Database rules of assignments and follow-ups."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts_manager.models import FollowUp
from customers.models import Assignment
from tests.factories import AssignmentFactory, CustomerFactory, FollowUpFactory

pytestmark = pytest.mark.django_db


@pytest.mark.date_sensitive
def test_database_refuses_a_second_open_assignment_for_a_customer(mgr_a, mgr_b):
    customer = CustomerFactory()
    AssignmentFactory(customer=customer, manager=mgr_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(customer=customer, manager=mgr_b, start=timezone.localdate())
    assert Assignment.objects.filter(customer=customer).count() == 1


def test_closed_assignments_and_one_open_one_live_side_by_side(mgr_a, mgr_b):
    customer = CustomerFactory()
    AssignmentFactory(
        customer=customer, manager=mgr_a, start=dt.date(2024, 1, 1), end=dt.date(2024, 6, 30)
    )
    AssignmentFactory(
        customer=customer, manager=mgr_b, start=dt.date(2024, 7, 1), end=dt.date(2024, 12, 31)
    )
    AssignmentFactory(customer=customer, manager=mgr_a, start=dt.date(2025, 1, 1))
    assert Assignment.objects.open().get(customer=customer).manager == mgr_a


def test_database_refuses_an_assignment_ending_before_it_starts(mgr_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(manager=mgr_a, start=dt.date(2025, 3, 1), end=dt.date(2025, 2, 28))


def test_database_keeps_one_open_follow_up_per_customer_kind_and_source():
    customer = CustomerFactory()
    FollowUpFactory(customer=customer, kind="risk", source="risk:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpFactory(customer=customer, kind="risk", source="risk:1")
    FollowUp.objects.filter(customer=customer).update(status="done")
    FollowUpFactory(customer=customer, kind="risk", source="risk:1")  # a new one once closed
    assert FollowUp.objects.filter(customer=customer).count() == 2


@pytest.mark.date_sensitive
def test_open_follow_up_past_its_due_time_is_overdue():
    past = FollowUpFactory(due_at=timezone.now() - dt.timedelta(hours=1))
    future = FollowUpFactory(due_at=timezone.now() + dt.timedelta(hours=1))
    done = FollowUpFactory(due_at=timezone.now() - dt.timedelta(hours=1), status="done")
    assert past.is_overdue and not future.is_overdue and not done.is_overdue
    assert list(FollowUp.objects.overdue()) == [past]
