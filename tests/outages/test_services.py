import datetime as dt
import threading

import pytest
import time_machine
from django.db import close_old_connections, connection
from django.utils import timezone

from accounts_manager.models import FollowUp, Notice
from common.actors import SYSTEM
from common.errors import DomainError, TransitionNotAllowed
from customers.services import SupplyPointInput, set_supply_points
from outages import confirmations, impacts, services
from outages.models import (
    TRANSITIONS,
    Notification,
    OutageEvent,
    OutageImpact,
    OutageStatus,
    PlannedOutage,
)
from tests.factories import ContactFactory
from tests.outages.factories import (
    OutageFactory,
    approved_outage,
    later,
    make_outage,
    supplied_customer,
)

pytestmark = pytest.mark.django_db


# --- references -----------------------------------------------------------------------------


# Outages are planned at most two years ahead (common.moments): the clock is set before them.
@time_machine.travel(dt.datetime(2030, 6, 1, 8, tzinfo=dt.UTC), tick=False)
def test_references_count_up_per_year_of_the_start(grid, sup_east):
    first = make_outage(sup_east, [grid["e1"]], start=dt.datetime(2031, 3, 1, 8, tzinfo=dt.UTC))
    second = make_outage(sup_east, [grid["e1"]], start=dt.datetime(2031, 5, 1, 8, tzinfo=dt.UTC))
    other_year = make_outage(
        sup_east, [grid["e1"]], start=dt.datetime(2032, 1, 5, 8, tzinfo=dt.UTC)
    )
    assert [first.reference, second.reference, other_year.reference] == [
        "TD2031-0001",
        "TD2031-0002",
        "TD2032-0001",
    ]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(dt.datetime(2032, 6, 1, 8, tzinfo=dt.UTC), tick=False)
def test_references_stay_unique_when_created_concurrently(grid, sup_east):
    start = dt.datetime(2033, 6, 1, 8, tzinfo=dt.UTC)
    make_outage(sup_east, [grid["e1"]], start=start)  # the year's counter row exists
    barrier = threading.Barrier(6)
    errors = []

    def create():
        try:
            barrier.wait()
            make_outage(sup_east, [grid["e1"]], start=start)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    refs = sorted(PlannedOutage.objects.values_list("reference", flat=True))
    assert refs == [f"TD2033-{n:04d}" for n in range(1, 8)]


# --- lead time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "lead", "needs_reason"),
    [
        ("planned", dt.timedelta(days=7), False),
        ("planned", dt.timedelta(days=7) - dt.timedelta(minutes=1), True),
        ("construction", dt.timedelta(days=6, hours=23), True),
        ("temporary", dt.timedelta(hours=24), False),
        ("temporary", dt.timedelta(hours=23, minutes=59), True),
        ("emergency", dt.timedelta(minutes=30), False),
    ],
)
def test_lead_time_is_enforced_at_approval(grid, sup_east, kind, lead, needs_reason):
    with time_machine.travel(dt.datetime(2030, 4, 1, 9, tzinfo=dt.UTC), tick=False):
        outage = make_outage(sup_east, [grid["e1"]], kind=kind, start=timezone.now() + lead)
        services.submit_outage(outage, acting_user=sup_east)
        if needs_reason:
            with pytest.raises(DomainError) as refused:
                services.approve_outage(outage, acting_user=sup_east)
            assert refused.value.field == "override_reason"
            outage.refresh_from_db()
            assert outage.status == OutageStatus.SUBMITTED
            services.approve_outage(
                outage, acting_user=sup_east, override_reason="抢修变压器，无法提前通知"
            )
            outage.refresh_from_db()
            assert outage.override_reason == "抢修变压器，无法提前通知"
            event = outage.events.get(action="approve")
            assert event.data["override_reason"] == "抢修变压器，无法提前通知"
        else:
            services.approve_outage(outage, acting_user=sup_east)
            outage.refresh_from_db()
        assert outage.status in (
            OutageStatus.APPROVED,
            OutageStatus.NOTIFYING,
            OutageStatus.NOTIFIED,
        )


def test_emergency_outage_starts_notifying_as_soon_as_approved(
    grid, sup_east, mgr_a, sent_log, django_capture_on_commit_callbacks
):
    supplied_customer(grid["e1"], contacts=2, manager=mgr_a)
    outage = make_outage(sup_east, [grid["e1"]], kind="emergency", start=later(minutes=20))
    services.submit_outage(outage, acting_user=sup_east)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_outage(outage, acting_user=sup_east)
    outage.refresh_from_db()
    assert outage.status == OutageStatus.NOTIFIED
    assert Notification.objects.filter(outage=outage, status="sent").count() == 2


def test_a_past_start_cannot_be_approved(grid, sup_east):
    outage = OutageFactory(feeders=[grid["e1"]], status="submitted", start=later(hours=-1))
    with pytest.raises(DomainError) as refused:
        services.approve_outage(outage, acting_user=sup_east, override_reason="x")
    assert refused.value.code == "already_started"


# --- transitions ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", OutageStatus.values)
@pytest.mark.parametrize("action", ["submit", "approve", "notify", "start", "complete", "cancel"])
def test_every_action_is_checked_against_the_transition_map(grid, sup_east, action, status):
    outage = OutageFactory(feeders=[grid["e1"]], status=status)
    fn = getattr(services, f"{action}_outage")
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        with pytest.raises(TransitionNotAllowed):
            fn(outage, acting_user=sup_east)
        outage.refresh_from_db()
        assert outage.status == status
        assert not OutageEvent.objects.filter(outage=outage).exists()
        return
    fn(outage, acting_user=sup_east)
    outage.refresh_from_db()
    assert outage.status in {target, OutageStatus.NOTIFIED}  # an empty batch finishes at once
    event = OutageEvent.objects.filter(outage=outage, action=action).get()
    assert (event.from_status, event.actor) == (status, sup_east)


def test_edit_after_start_is_refused(grid, sup_east):
    outage = OutageFactory(feeders=[grid["e1"]], status="in_progress")
    with pytest.raises(TransitionNotAllowed):
        services.update_outage(outage, acting_user=sup_east, reason="新原因")


def test_times_of_an_approved_outage_change_only_by_reschedule(grid, sup_east):
    outage = approved_outage(sup_east, [grid["e1"]])
    with pytest.raises(DomainError) as refused:
        services.update_outage(
            outage, acting_user=sup_east, start=later(days=12), end=later(days=12, hours=4)
        )
    assert refused.value.code == "use_reschedule"


def test_a_supervisor_cannot_plan_on_a_feeder_outside_their_region(grid, sup_east):
    with pytest.raises(DomainError) as refused:
        make_outage(sup_east, [grid["w1"]])
    assert refused.value.field == "feeders"


# --- impacts --------------------------------------------------------------------------------


def test_impacts_single_dual_and_mixed_supply(grid, sup_east):
    single = supplied_customer(grid["e1"])
    dual_cut = supplied_customer(grid["e1"], grid["e2"])
    dual_kept = supplied_customer(
        grid["e1"],
        grid["e3"],
        importance="special",
        has_backup_generator=True,
        backup_capacity_kw=500,
    )
    elsewhere = supplied_customer(grid["e3"])
    closed = supplied_customer(grid["e1"], status="closed")
    outage = approved_outage(sup_east, [grid["e1"], grid["e2"]])
    impacts = {i.customer_id: i for i in OutageImpact.objects.filter(outage=outage)}
    assert set(impacts) == {single.pk, dual_cut.pk, dual_kept.pk}
    assert elsewhere.pk not in impacts and closed.pk not in impacts
    assert impacts[single.pk].impact == "full"
    assert impacts[dual_cut.pk].impact == "full"
    assert impacts[dual_cut.pk].affected_feeders == "E1,E2"
    assert impacts[dual_kept.pk].impact == "partial"
    assert impacts[dual_kept.pk].important and impacts[dual_kept.pk].has_backup_generator
    assert not impacts[single.pk].important and not impacts[single.pk].has_backup_generator


def test_grid_change_before_start_shows_difference_and_notifies_newly_affected(
    grid, sup_east, mgr_a, sent_log, django_capture_on_commit_callbacks
):
    first = supplied_customer(grid["e1"], manager=mgr_a)
    moving = supplied_customer(grid["e3"], manager=mgr_a)
    leaving = supplied_customer(grid["e1"], manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_outage(outage, acting_user=sup_east)
    # The grid changes: one customer moves onto the feeder, another moves off it.
    set_supply_points(
        moving,
        points=[SupplyPointInput(feeder_id=grid["e1"].pk, is_primary=True)],
        acting_user=SYSTEM,
    )
    set_supply_points(
        leaving,
        points=[SupplyPointInput(feeder_id=grid["e3"].pk, is_primary=True)],
        acting_user=SYSTEM,
    )
    diff = impacts.impact_difference(outage)
    assert (diff.added, diff.removed, diff.changed) == ([moving.pk], [leaving.pk], [])
    with django_capture_on_commit_callbacks(execute=True):
        assert impacts.refresh_upcoming_impacts() == 1
    assert not impacts.impact_difference(outage)
    kinds = dict(
        Notification.objects.filter(outage=outage)
        .values_list("customer_id", "kind")
        .order_by("kind")
    )
    assert Notification.objects.get(customer=moving).status == "sent"
    assert Notification.objects.get(customer=leaving, kind="cancellation").status == "sent"
    assert first.pk in kinds
    assert OutageImpact.objects.get(outage=outage, customer=leaving).removed_at is not None
    assert outage.events.filter(action="impacts_changed").exists()


def test_changing_the_feeder_list_after_approval_refreshes_impacts(grid, sup_east):
    supplied_customer(grid["e1"])
    other = supplied_customer(grid["e2"])
    outage = approved_outage(sup_east, [grid["e1"]])
    services.update_outage(outage, acting_user=sup_east, feeders=[grid["e1"], grid["e2"]])
    assert OutageImpact.objects.filter(
        outage=outage, customer=other, removed_at__isnull=True
    ).exists()


# --- follow-ups, confirmations, escalation ---------------------------------------------------


def test_customer_without_reachable_contact_gets_a_followup_at_once(grid, sup_east, mgr_a):
    silent = supplied_customer(grid["e1"], contacts=0, manager=mgr_a)
    ContactFactory(customer=silent, receives_outage_notices=False)
    outage = approved_outage(sup_east, [grid["e1"]])
    followup = FollowUp.objects.get(customer=silent)
    assert (followup.kind, followup.manager, followup.source) == (
        "outage_unreachable",
        mgr_a,
        f"outage:{outage.pk}",
    )
    assert not OutageImpact.objects.get(outage=outage, customer=silent).reachable


def test_customer_whose_every_notice_failed_becomes_unreachable(
    grid, sup_east, mgr_a, settings, django_capture_on_commit_callbacks
):
    settings.OUTAGE_CHANNEL_SENDERS = {
        "sms": "tests.outages.senders.RefusingSender",
        "email": "tests.outages.senders.RefusingSender",
    }
    customer = supplied_customer(grid["e1"], contacts=2, manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_outage(outage, acting_user=sup_east)
    assert set(Notification.objects.values_list("status", flat=True)) == {"failed"}
    assert not OutageImpact.objects.get(customer=customer).reachable
    assert FollowUp.objects.filter(customer=customer, kind="outage_unreachable").exists()
    outage.refresh_from_db()
    assert outage.status == OutageStatus.NOTIFIED


def test_important_customer_needs_a_recorded_call(grid, sup_east, mgr_a):
    vip = supplied_customer(grid["e1"], manager=mgr_a, importance="level1")
    outage = approved_outage(sup_east, [grid["e1"]])
    followup = FollowUp.objects.get(customer=vip, kind="outage_confirm_call")
    assert followup.due_at == outage.start - dt.timedelta(hours=48)
    confirmations.record_confirmed_call(outage, customer=vip, acting_user=mgr_a, note="已电话确认")
    impact = OutageImpact.objects.get(outage=outage, customer=vip)
    assert impact.call_confirmed_by == mgr_a and impact.call_note == "已电话确认"
    followup.refresh_from_db()
    assert followup.status == "done"


def test_unconfirmed_important_customer_is_escalated_once_48_hours_before(grid, sup_east, mgr_a):
    vip = supplied_customer(grid["e1"], manager=mgr_a, importance="special")
    confirmed = supplied_customer(grid["e1"], manager=mgr_a, importance="level2")
    start = dt.datetime(2030, 5, 10, 8, tzinfo=dt.UTC)
    with time_machine.travel(start - dt.timedelta(days=10), tick=False):
        outage = approved_outage(sup_east, [grid["e1"]], start=start)
        confirmations.record_confirmed_call(outage, customer=confirmed, acting_user=mgr_a)
    with time_machine.travel(start - dt.timedelta(hours=48, minutes=1), tick=False):
        assert confirmations.escalate_unconfirmed_important() == 0
    with time_machine.travel(start - dt.timedelta(hours=47), tick=False):
        assert confirmations.escalate_unconfirmed_important() == 1
        assert confirmations.escalate_unconfirmed_important() == 0
    notice = Notice.objects.get(recipient=sup_east, key__startswith="outage-unconfirmed:")
    assert vip.name in notice.title
    assert FollowUp.objects.open().filter(customer=vip, kind="outage_confirm_call").exists()


def test_confirmation_token_confirms_only_its_notice(
    grid, sup_east, mgr_a, sent_log, django_capture_on_commit_callbacks
):
    customer = supplied_customer(grid["e1"], contacts=2, manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_outage(outage, acting_user=sup_east)
    first, second = Notification.objects.filter(customer=customer).order_by("id")
    notification, newly = confirmations.confirm_receipt(first.token)
    assert newly and notification.status == "confirmed"
    again, newly_again = confirmations.confirm_receipt(first.token)
    assert not newly_again and again.confirmed_at == notification.confirmed_at
    second.refresh_from_db()
    assert second.status == "sent"
    assert confirmations.confirm_receipt("not-a-token") == (None, False)
    assert OutageImpact.objects.get(outage=outage, customer=customer).confirmed_at is not None
