"""The demo billing history is consistent with the product's rules and loads once."""

import random
from decimal import Decimal

import pytest
from django.db.models import Count, F
from django.utils import timezone

from billing.models import Bill, Disconnection, Payment, PaymentPromise
from common.money import ZERO
from devtools.demo import billing as demo_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(clock):
    from devtools.demo import register as customers_demo_register

    clock("2025-06-03 09:00")
    customers_demo_register.seed(
        random.Random(7), customers=60, managers=3, feeders=12, followups=0
    )
    return demo_data.seed(random.Random(8))


def test_every_customer_gets_24_months_of_bills(demo):
    counts = set(
        Bill.objects.values("customer").annotate(n=Count("id")).values_list("n", flat=True)
    )
    assert counts == {24}
    assert demo["bills"] == 60 * 24


def test_allocations_follow_the_rules(demo):
    assert not Bill.objects.with_amounts().filter(paid_amount__gt=F("total")).exists()
    assert not Payment.objects.with_allocated().filter(allocated_amount__gt=F("amount")).exists()
    for bill in Bill.objects.with_amounts():
        assert (bill.settled_on is not None) == (bill.outstanding_amount == ZERO)


def test_most_bills_are_paid_on_time_and_some_late(demo):
    settled = Bill.objects.filter(settled_on__isnull=False)
    late = settled.filter(settled_on__gt=F("due_date")).count() / settled.count()
    assert 0.05 < late < 0.4
    assert Bill.objects.open().filter(due_date__lt="2025-06-03").exists()


def test_collection_work_and_disconnections_are_there(demo):
    assert set(PaymentPromise.objects.values_list("status", flat=True)) >= {"pending", "kept"}
    statuses = set(Disconnection.objects.values_list("status", flat=True))
    assert {"requested", "approved", "executed"} <= statuses
    for d in Disconnection.objects.select_related("notice"):
        assert d.notice.kind == "disconnection_notice" and d.notice.delivered_at is not None
        assert (d.scheduled_for - timezone.localdate(d.notice.delivered_at)).days >= 7
        assert d.events.exists()


def test_bill_amounts_add_up_and_look_like_a_key_account(demo):
    for bill in Bill.objects.all()[:200]:
        assert bill.total == (
            bill.basic_charge
            + bill.energy_charge
            + bill.power_factor_adjustment
            + bill.other_charges
        )
        assert bill.energy_kwh == bill.peak_kwh + bill.flat_kwh + bill.valley_kwh
        assert bill.total > Decimal("1000")


def test_seeding_again_adds_nothing(demo):
    before = Bill.objects.count(), Payment.objects.count()
    assert demo_data.seed(random.Random(9)) == {}
    assert (Bill.objects.count(), Payment.objects.count()) == before


def test_nothing_in_the_demo_happens_in_the_future(demo):
    from django.utils import timezone

    from billing.models import CollectionAction, DisconnectionEvent

    now = timezone.now()
    assert not Payment.objects.filter(paid_at__gt=now).exists()
    assert not CollectionAction.objects.filter(at__gt=now).exists()
    assert not CollectionAction.objects.filter(delivered_at__gt=now).exists()
    assert not DisconnectionEvent.objects.filter(at__gt=now).exists()
    assert not Disconnection.objects.filter(approved_at__gt=now).exists()


def test_the_demo_fills_every_customer_balance_without_drift(demo):
    from billing.models import CustomerBalance
    from billing.reconciliation import reconcile_balances
    from common.actors import SYSTEM

    assert demo["balances"] == 60
    assert CustomerBalance.objects.count() == 60
    assert reconcile_balances(acting_user=SYSTEM).drift_count == 0
