"""The demo connection projects (seeded after the customer register): every state, once."""

import io
import random

import pytest

from connections.models import Project, Status
from devtools.demo import connections as demo_data
from devtools.demo import register as customer_demo_register

pytestmark = pytest.mark.django_db


@pytest.mark.date_sensitive
def test_demo_projects_cover_every_state_once():
    customer_demo_register.seed(random.Random(7), customers=60)
    out = io.StringIO()
    added = demo_data.seed(random.Random(7), out)
    assert added["connections"] == len(demo_data.PLAN)
    assert {p.status for p in Project.objects.all()} == {s.value for s in Status}
    assert Project.objects.filter(breached=True, status="open").exists()
    assert Project.objects.filter(archived_at__isnull=False).exists()
    assert Project.objects.filter(waits__kind="customer_pause").exists()
    assert Project.objects.filter(customer__isnull=True, status="open").exists()
    assert Project.objects.filter(events__kind="returned").exists()
    assert Project.objects.filter(status="energized", kind="new").exists()
    assert "connections:" in out.getvalue()
    assert demo_data.seed(random.Random(7), io.StringIO()) == {"connections": 0}
