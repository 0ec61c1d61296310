"""Collection: promises kept or broken (daily job), actions, timeline, aging edges, tasks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts_manager.models import FollowUp
from billing import collection, tasks
from billing.models import PaymentPromise
from billing.selectors import arrears_queryset
from common.actors import SYSTEM
from common.errors import DomainError
from customers.timeline import customer_timeline
from tests.billing.conftest import at
from tests.billing.factories import ActionFactory, BillFactory, month

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.fixture
def debtor(customer_for, mgr_a, clock):
    clock("2025-06-03 09:00")
    customer = customer_for(mgr_a)
    BillFactory(customer=customer, period=month("2025-03"), total=Decimal("2000.00"))
    return customer


def promise(customer, amount="1000.00", due="2025-06-10", **kwargs):
    kwargs.setdefault("acting_user", SYSTEM)
    return collection.record_promise(customer, amount=Decimal(amount), due_date=D(due), **kwargs)


def test_a_promise_appears_in_the_managers_queue_on_its_date(debtor, mgr_a):
    p = promise(debtor)
    followup = FollowUp.objects.get(source=f"promise:{p.pk}")
    assert (followup.kind, followup.manager, followup.status) == ("promise", mgr_a, "open")
    assert timezone.localdate(followup.due_at) == D("2025-06-10")


def test_paying_the_promised_amount_keeps_the_promise_at_once(debtor, pay, clock):
    p = promise(debtor)
    clock("2025-06-05 12:00")
    pay(debtor, "600.00", day="2025-06-04")
    p.refresh_from_db()
    assert p.status == "pending"
    pay(debtor, "400.00", day="2025-06-05")
    p.refresh_from_db()
    assert (p.status, p.paid_amount) == ("kept", Decimal("1000.00"))
    assert FollowUp.objects.get(source=f"promise:{p.pk}").status == "done"


def test_the_daily_check_breaks_an_unpaid_promise_and_opens_a_followup(debtor, pay, clock, mgr_a):
    p = promise(debtor)
    clock("2025-06-05 12:00")
    pay(debtor, "300.00")
    clock("2025-06-11 02:00")

    assert tasks.check_promises.delay().get() == {"kept": 0, "broken": 1}

    p.refresh_from_db()
    assert (p.status, p.paid_amount) == ("broken", Decimal("300.00"))
    followups = FollowUp.objects.filter(source=f"promise:{p.pk}")
    assert sorted(followups.values_list("status", flat=True)) == ["cancelled", "open"]
    assert followups.get(status="open").manager == mgr_a
    assert collection.check_promises() == {"kept": 0, "broken": 0}  # twice changes nothing


def test_the_promise_date_itself_still_counts(debtor, pay, clock):
    p = promise(debtor)
    clock("2025-06-10 20:00")
    pay(debtor, "1000.00")
    clock("2025-06-11 02:00")
    collection.check_promises()
    p.refresh_from_db()
    assert p.status == "kept"


def test_a_payment_after_the_promise_date_does_not_keep_it(debtor, pay, clock):
    p = promise(debtor)
    clock("2025-06-11 01:00")
    pay(debtor, "1000.00")
    collection.check_promises()
    p.refresh_from_db()
    assert p.status == "broken"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"due": "2025-06-02"}, "due_date"),
    ],
)
def test_bad_promises_are_refused(debtor, kwargs, field):
    with pytest.raises(DomainError) as exc:
        promise(debtor, **kwargs)
    assert exc.value.field == field


def test_nothing_owed_means_nothing_to_promise(customer_for, mgr_a, clock):
    clock("2025-06-03 09:00")
    with pytest.raises(DomainError):
        promise(customer_for(mgr_a))
    assert not PaymentPromise.objects.exists()


# --- aging edges -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (1, "1_30"),
        (30, "1_30"),
        (31, "31_60"),
        (60, "31_60"),
        (61, "61_90"),
        (90, "61_90"),
        (91, "over_90"),
        (400, "over_90"),
    ],
)
def test_aging_buckets_at_their_edges(customer_for, mgr_a, clock, days, bucket):
    clock("2025-06-03 09:00")
    customer = customer_for(mgr_a)
    due = D("2025-06-03") - dt.timedelta(days=days)
    BillFactory(
        customer=customer,
        period=month("2024-01"),
        due_date=due,
        issue_date=due - dt.timedelta(days=1),
        total=Decimal("10.00"),
    )
    row = arrears_queryset(mgr_a).get()
    assert {k: getattr(row, f"aging_{k}") for k in ("1_30", "31_60", "61_90", "over_90")} == {
        k: Decimal("10.00") if k == bucket else Decimal("0.00")
        for k in ("1_30", "31_60", "61_90", "over_90")
    }


def test_a_bill_due_today_is_not_in_arrears(customer_for, mgr_a, clock):
    clock("2025-06-03 09:00")
    BillFactory(customer=customer_for(mgr_a), due_date=D("2025-06-03"), issue_date=D("2025-06-01"))
    assert not arrears_queryset(mgr_a).exists()


# --- actions and the timeline ----------------------------------------------------------------


def test_a_notice_cannot_be_delivered_before_it_was_issued(debtor):
    with pytest.raises(DomainError) as exc:
        collection.record_collection_action(
            debtor,
            kind="payment_reminder",
            at=at("2025-06-02", 10),
            delivered_at=at("2025-06-01", 10),
            acting_user=SYSTEM,
        )
    assert exc.value.field == "delivered_at"


def test_the_delivery_of_a_notice_used_as_evidence_cannot_change(debtor, mgr_a):
    from billing.disconnections import request_disconnection

    BillFactory(
        customer=debtor,
        period=month("2025-01"),
        due_date=D("2025-02-25"),
        issue_date=D("2025-02-05"),
    )
    ActionFactory(customer=debtor, kind="call", at=at("2025-03-01"))
    notice = collection.record_collection_action(
        debtor,
        kind="disconnection_notice",
        at=at("2025-05-20"),
        delivered_at=at("2025-05-20", 15),
        delivery_method="in_person",
        acting_user=SYSTEM,
    )
    request_disconnection(debtor, scheduled_for=D("2025-06-05"), acting_user=mgr_a)
    with pytest.raises(DomainError):
        collection.record_notice_delivery(notice, delivered_at=at("2025-05-21"), acting_user=SYSTEM)


def test_the_customer_timeline_shows_billing_events(debtor, pay, mgr_a):
    pay(debtor, "500.00", reference="TL-1")
    ActionFactory(customer=debtor, kind="visit", at=at("2025-06-02"), outcome="上门催费")
    promise(debtor)
    kinds = [e["tl_kind"] for e in customer_timeline(debtor)]
    assert {"bill", "payment", "collection", "promise"} <= set(kinds)
    payment = next(e for e in customer_timeline(debtor, kinds=["payment"]))
    assert "500.00" in payment["tl_summary"] and "TL-1" in payment["tl_summary"]


def test_the_reconnection_and_sweep_tasks_run(customer_for, clock):
    clock("2025-06-03 09:00")
    assert tasks.check_reconnections.delay().get() == 0
    assert tasks.cancel_settled_disconnections.delay().get() == 0


def test_the_beat_schedule_has_the_billing_jobs():
    from config.celery import BEAT_SCHEDULE

    tasks_scheduled = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {
        "billing.tasks.check_promises",
        "billing.tasks.check_reconnections",
        "billing.tasks.cancel_settled_disconnections",
    } <= tasks_scheduled
