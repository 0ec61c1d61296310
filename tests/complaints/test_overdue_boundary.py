"""One boundary for an overdue complaint: a deadline reached at exactly now is missed.

The queryset (`overdue()`, the `overdue` annotation of the list pages), the model
(`is_overdue`), the API (`?overdue=` filter and the `breached` flag) and the deadline job all
answer the same at the deadline instant and one second before it.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from complaints import sla
from complaints.models import Complaint
from dashboards.selectors import _near_breach
from tests.complaints.conftest import local

pytestmark = pytest.mark.django_db

CONTACT_DUE = local(2026, 3, 7, 10, 0)


@pytest.fixture
def ticket(register, customer_for, mgr_a):
    # Friday 10:00: the customer must be contacted by Saturday 10:00.
    with time_machine.travel(local(2026, 3, 6, 10, 0), tick=False):
        complaint = register(customer_for(mgr_a))
    assert complaint.ack_due == CONTACT_DUE
    return complaint


def answers(ticket, api, user, client):
    """What every reader of the rule says about `ticket` at the current (frozen) time."""
    ticket.refresh_from_db()

    def ids(overdue):
        answer = api(user).get("/api/v1/complaints/", {"overdue": overdue}).json()
        return [t["id"] for t in answer["results"]]

    client.force_login(user)
    page = client.get(reverse("complaints:list")).content.decode()
    return {
        "queryset": Complaint.objects.overdue().filter(pk=ticket.pk).exists(),
        "annotation": bool(Complaint.objects.with_next_due().get(pk=ticket.pk).overdue),
        "model": ticket.is_overdue(),
        "api_filter": ids("true") == [ticket.pk] and ids("false") == [],
        "page": "complaint-overdue" in page,
        # The dashboard lists tickets near breach: those not overdue yet.
        "dashboard": ticket.pk not in [t["id"] for t in _near_breach(Complaint.objects.all())[0]],
    }


@pytest.mark.parametrize(
    ("moment", "overdue"),
    [(CONTACT_DUE - dt.timedelta(seconds=1), False), (CONTACT_DUE, True)],
    ids=["one-second-before", "at-the-deadline"],
)
def test_every_reader_agrees_at_the_deadline(ticket, api, client, mgr_a, moment, overdue):
    with time_machine.travel(moment, tick=False):
        seen = answers(ticket, api, mgr_a, client)
        assert seen == dict.fromkeys(seen, overdue)

        result = sla.check_deadlines()
        assert result["ack_breach"] == (1 if overdue else 0)
        body = api(mgr_a).get(f"/api/v1/complaints/{ticket.pk}/").json()
        assert body["breached"] is overdue
        ticket.refresh_from_db()
        assert ticket.breached is overdue
        assert (ticket.ack_breached_at == CONTACT_DUE) is overdue


def test_a_contacted_ticket_is_not_overdue_on_its_contact_deadline(ticket, mgr_a):
    Complaint.objects.filter(pk=ticket.pk).update(acknowledged_at=local(2026, 3, 7, 9, 0))
    with time_machine.travel(CONTACT_DUE, tick=False):
        ticket.refresh_from_db()
        assert not ticket.is_overdue()
        assert not Complaint.objects.overdue().filter(pk=ticket.pk).exists()
        assert sla.check_deadlines()["ack_breach"] == 0
