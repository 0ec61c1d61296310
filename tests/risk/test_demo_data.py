"""The demo data ends with one arrears-risk scan, so the demo shows risk levels from the start."""

from io import StringIO

import pytest
from django.core.management import call_command

from customers.models import Customer
from risk.models import RiskScan

pytestmark = pytest.mark.django_db


def test_seed_demo_scores_the_demo_customers_once():
    call_command("seed_demo", customers=40, stdout=StringIO())

    scan = RiskScan.objects.get()
    assert scan.status == "done"
    assert scan.customers_scanned == Customer.objects.filter(status="active").count()
    assert Customer.objects.filter(status="active", risk_level__isnull=True).count() == 0

    call_command("seed_demo", customers=40, stdout=StringIO())

    assert RiskScan.objects.count() == 1
