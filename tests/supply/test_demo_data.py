"""The demo data holds a year of interruptions and voltage readings, seeded once."""

from io import StringIO

import pytest
from django.core.management import call_command

from supply.models import Interruption, MonitoringPoint, VoltageReading

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_a_year_of_supply_quality_once():
    call_command("seed_demo", customers=30, stdout=StringIO())
    interruptions = Interruption.objects.count()
    readings = VoltageReading.objects.count()
    assert interruptions > 0
    assert Interruption.objects.filter(planned=True).exists()
    assert MonitoringPoint.objects.count() == 30 or MonitoringPoint.objects.exists()
    assert readings > 300 * MonitoringPoint.objects.count() // 2

    call_command("seed_demo", customers=30, stdout=StringIO())

    assert Interruption.objects.count() == interruptions
    assert VoltageReading.objects.count() == readings
