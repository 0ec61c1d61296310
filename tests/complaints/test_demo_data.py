"""The demo complaint tickets (seeded after the customer register)."""

import io
import random

import pytest

from accounts_manager.models import FollowUp
from complaints.models import CallbackAttempt, Complaint, Status
from devtools.demo import complaints as demo_data
from devtools.demo import register as customer_demo_register

pytestmark = pytest.mark.django_db


# The tickets are received days before today and their deadlines count today's working days.
# calendar: at a --now in a year not entered (2027, 2028) the deadlines are provisional; enter
# that year's calendar here once the calendar is data.
@pytest.mark.date_sensitive
def test_demo_tickets_cover_every_status_breaches_repeats_and_callbacks_once():
    customer_demo_register.seed(random.Random(7), customers=60)
    out = io.StringIO()
    added = demo_data.seed(random.Random(7), out)
    assert added["complaints"] == len(demo_data.PLAN) + 2
    assert {c.status for c in Complaint.objects.all()} == {s.value for s in Status}
    assert Complaint.objects.filter(breached=True).exists()
    assert Complaint.objects.filter(escalation_level__gte=2).exists()
    assert Complaint.objects.filter(is_repeat=True, repeat_of__isnull=False).exists()
    assert Complaint.objects.filter(closed_without_callback=True).count() == 1
    assert CallbackAttempt.objects.filter(reached=True, satisfaction__lte=2).exists()
    assert FollowUp.objects.filter(kind="satisfaction").exists()
    # History runs from receipt forward.
    for complaint in Complaint.objects.exclude(acknowledged_at=None):
        assert complaint.received_at <= complaint.acknowledged_at
    assert "complaints:" in out.getvalue()

    assert demo_data.seed(random.Random(7), io.StringIO()) == {"complaints": 0}
    assert Complaint.objects.count() == added["complaints"]
