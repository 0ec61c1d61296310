"""bench_supply runs end to end on a small database and leaves it as it was."""

from io import StringIO

import pytest
from django.core.management import call_command

from supply.models import Interruption, MonitoringPoint, VoltageReading

pytestmark = pytest.mark.django_db


def test_bench_supply_imports_and_computes_then_cleans_up(single, west_customer):
    out = StringIO()
    call_command("bench_supply", rows=700, days=350, force=True, stdout=out)
    text = out.getvalue()
    assert "import: 700 readings" in text
    assert "1 statement(s)" in text
    assert not MonitoringPoint.objects.exists()
    assert not VoltageReading.objects.exists()
    assert not Interruption.objects.exists()
