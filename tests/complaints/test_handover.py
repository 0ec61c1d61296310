"""A portfolio handover takes the leaving manager's open complaint tickets along."""

import datetime as dt

import pytest

from complaints.models import Complaint
from customers.portfolios import assign_customer, handover_portfolio
from tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def test_handover_moves_open_tickets_to_the_new_manager(
    register, drive, customer_for, mgr_a, mgr_b, sup_east
):
    customer = customer_for(None)
    AssignmentFactory(customer=customer, manager=mgr_a, start=dt.date(2025, 1, 1))
    open_ticket = register(customer)
    closed_ticket = drive(register(customer, category="billing"), "closed")
    assert open_ticket.assignee == mgr_a

    handover_portfolio(mgr_a, to_manager=mgr_b, effective=dt.date(2025, 7, 1), acting_user=sup_east)

    assert Complaint.objects.get(pk=open_ticket.pk).assignee == mgr_b
    assert Complaint.objects.get(pk=closed_ticket.pk).assignee == closed_ticket.assignee


def test_reassigning_one_customer_moves_only_its_open_tickets(
    register, customer_for, mgr_a, mgr_b, sup_east
):
    moving = customer_for(None)
    staying = customer_for(None)
    for customer in (moving, staying):
        AssignmentFactory(customer=customer, manager=mgr_a, start=dt.date(2025, 1, 1))
    moving_ticket = register(moving)
    staying_ticket = register(staying)

    assign_customer(moving, manager=mgr_b, start=dt.date(2025, 7, 1), acting_user=sup_east)

    assert Complaint.objects.get(pk=moving_ticket.pk).assignee == mgr_b
    assert Complaint.objects.get(pk=staying_ticket.pk).assignee == mgr_a
