"""The deadline job: warnings, breaches and escalations, each exactly once."""

import pytest
import time_machine

from accounts_manager.models import FollowUp, Notice
from complaints import closure, services, sla
from complaints.models import Complaint, ComplaintEvent, Status
from complaints.tasks import check_complaint_deadlines
from config.celery import BEAT_SCHEDULE
from tests.complaints.conftest import local

pytestmark = pytest.mark.django_db


def run_at(*moment):
    with time_machine.travel(local(*moment), tick=False):
        return sla.check_deadlines()


def taken(result):
    return {name: n for name, n in result.items() if n}


@pytest.fixture
def ticket(register, customer_for, mgr_a):
    # Friday 10:00: contact due Sat 10:00 (warn 06:00), resolution due Fri 13th 10:00.
    with time_machine.travel(local(2026, 3, 6, 10, 0), tick=False):
        return register(customer_for(mgr_a))


def escalation_notices(supervisor, complaint):
    return sorted(
        Notice.objects.filter(
            recipient=supervisor, key__startswith=f"complaint:{complaint.pk}:"
        ).values_list("key", flat=True)
    )


def test_nothing_happens_before_the_warning_time(ticket):
    assert taken(run_at(2026, 3, 7, 5, 59)) == {}


def test_assignee_is_warned_once_before_the_contact_deadline(ticket, mgr_a):
    assert taken(run_at(2026, 3, 7, 6, 0)) == {"ack_warning": 1}
    for minute in (5, 10, 15):
        assert taken(run_at(2026, 3, 7, 6, minute)) == {}
    followup = FollowUp.objects.get(source=f"complaint:{ticket.pk}:ack")
    assert (followup.manager, followup.kind, followup.due_at) == (
        mgr_a,
        "complaint",
        ticket.ack_due,
    )
    assert Notice.objects.filter(recipient=mgr_a, key=f"complaint:{ticket.pk}:c0:ack-warning")
    assert ComplaintEvent.objects.filter(complaint=ticket, kind="warning").count() == 1


def test_breach_is_marked_and_escalated_once_over_several_runs(ticket, sup_east):
    run_at(2026, 3, 7, 6, 0)
    assert taken(run_at(2026, 3, 7, 10, 0)) == {"ack_breach": 1}
    for minute in (5, 10, 15, 20):
        assert taken(run_at(2026, 3, 7, 10, minute)) == {}
    ticket.refresh_from_db()
    assert ticket.breached and ticket.escalation_level == 1
    # The next escalation is one working day after the missed deadline (Saturday → Monday).
    assert ticket.next_escalation_at == local(2026, 3, 9, 10, 0)
    assert escalation_notices(sup_east, ticket) == [f"complaint:{ticket.pk}:escalation:1"]
    assert (
        FollowUp.objects.open().get(source=f"complaint:{ticket.pk}:escalation:1").manager
        == sup_east
    )
    assert ComplaintEvent.objects.filter(complaint=ticket, kind="escalated").count() == 1


def test_escalation_rises_again_each_further_working_day_only(ticket, sup_east):
    run_at(2026, 3, 7, 10, 0)
    assert taken(run_at(2026, 3, 8, 18, 0)) == {}  # Sunday: no working day has passed
    assert taken(run_at(2026, 3, 9, 10, 0)) == {"escalation": 1}
    assert taken(run_at(2026, 3, 9, 10, 5)) == {}
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
    assert ticket.next_escalation_at == local(2026, 3, 10, 10, 0)
    assert escalation_notices(sup_east, ticket) == [
        f"complaint:{ticket.pk}:escalation:1",
        f"complaint:{ticket.pk}:escalation:2",
    ]
    # Only the current level stays open in the supervisor's queue.
    open_sources = FollowUp.objects.open().filter(manager=sup_east).values_list("source", flat=True)
    assert list(open_sources) == [f"complaint:{ticket.pk}:escalation:2"]


def test_missed_days_are_caught_up_in_one_step(ticket, sup_east):
    run_at(2026, 3, 7, 10, 0)
    # Mon 9th, Tue 10th and Wed 11th 10:00 have passed.
    assert taken(run_at(2026, 3, 11, 12, 0)) == {"escalation": 1}
    ticket.refresh_from_db()
    assert ticket.escalation_level == 4
    assert ticket.next_escalation_at == local(2026, 3, 12, 10, 0)


def test_contacting_the_customer_stops_the_escalation(ticket, mgr_a, sup_east):
    run_at(2026, 3, 7, 10, 0)
    with time_machine.travel(local(2026, 3, 9, 8, 0), tick=False):
        services.acknowledge_complaint(ticket, acting_user=mgr_a)
    assert taken(run_at(2026, 3, 9, 10, 30)) == {}
    assert not FollowUp.objects.open().filter(source__startswith=f"complaint:{ticket.pk}:")
    # The ticket keeps the record of the missed contact.
    ticket.refresh_from_db()
    assert ticket.breached and ticket.escalation_level == 1


def test_missed_resolution_escalates_from_the_current_level(ticket, mgr_a, sup_east):
    with time_machine.travel(local(2026, 3, 6, 11, 0), tick=False):
        services.acknowledge_complaint(ticket, acting_user=mgr_a)
    assert taken(run_at(2026, 3, 12, 10, 0)) == {"resolve_warning": 1}
    assert taken(run_at(2026, 3, 13, 10, 1)) == {"resolve_breach": 1}
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    assert ticket.next_escalation_at == local(2026, 3, 16, 10, 0)
    assert taken(run_at(2026, 3, 16, 10, 1)) == {"escalation": 1}
    assert Complaint.objects.get(pk=ticket.pk).escalation_level == 2


def test_escalation_waits_through_golden_week(register, customer_for, mgr_a):
    with time_machine.travel(local(2026, 9, 29, 10, 0), tick=False):
        complaint = register(customer_for(mgr_a), severity="urgent")  # contact due 12:00
    assert taken(run_at(2026, 9, 29, 12, 0)) == {"ack_breach": 1}
    complaint.refresh_from_db()
    assert complaint.next_escalation_at == local(2026, 9, 30, 12, 0)
    assert taken(run_at(2026, 9, 30, 12, 0)) == {"escalation": 1}
    complaint.refresh_from_db()
    assert complaint.next_escalation_at == local(2026, 10, 8, 12, 0)
    assert taken(run_at(2026, 10, 5, 12, 0)) == {}


def test_resolved_and_closed_tickets_are_left_alone(ticket, drive):
    with time_machine.travel(local(2026, 3, 6, 11, 0), tick=False):
        drive(ticket, Status.RESOLVED)
    assert taken(run_at(2026, 3, 20, 10, 0)) == {}


def test_reopened_ticket_is_warned_again_in_its_new_cycle(ticket, drive, mgr_a, sup_east):
    with time_machine.travel(local(2026, 3, 6, 11, 0), tick=False):
        drive(ticket, Status.RESOLVED)
    with time_machine.travel(local(2026, 3, 9, 9, 0), tick=False):
        closure.record_callback(ticket, acting_user=sup_east, satisfaction=2, solved=False)
    assert taken(run_at(2026, 3, 10, 5, 0)) == {"ack_warning": 1}
    assert Notice.objects.filter(recipient=mgr_a, key=f"complaint:{ticket.pk}:c1:ack-warning")


def test_unassigned_ticket_breach_still_reaches_the_supervisor(register, customer_for, sup_east):
    with time_machine.travel(local(2026, 3, 6, 10, 0), tick=False):
        complaint = register(customer_for(None))
    run_at(2026, 3, 7, 10, 0)
    assert f"complaint:{complaint.pk}:escalation:1" in escalation_notices(sup_east, complaint)


def test_the_scheduled_task_runs_the_job_and_is_in_the_beat_schedule(ticket):
    entry = BEAT_SCHEDULE["complaints-check-deadlines"]
    assert entry["task"] == check_complaint_deadlines.name
    with time_machine.travel(local(2026, 3, 7, 10, 0), tick=False):
        result = check_complaint_deadlines.delay().get()
    assert result["ack_breach"] == 1


def test_escalation_and_breach_reach_wecom_as_escalations(ticket, mgr_a, sup_east, settings):
    from accounts_manager.models import WeComMessage
    from tests.accounts_manager.wecom_server import turn_channel_on

    turn_channel_on(settings)
    sup_east.wecom_userid = "sup-east"
    sup_east.save(update_fields=["wecom_userid"])
    mgr_a.wecom_userid = "mgr-a"
    mgr_a.save(update_fields=["wecom_userid"])
    run_at(2026, 3, 7, 10, 0)
    sent = set(WeComMessage.objects.values_list("recipient__username", "key", "category"))
    assert (
        "sup_east",
        f"notice:complaint:{ticket.pk}:escalation:1",
        "escalation",
    ) in sent
    assert ("mgr_a", f"notice:complaint:{ticket.pk}:c0:ack-breach", "escalation") in sent
    # The escalation's notice and its follow-up are one event: one message to the supervisor.
    assert WeComMessage.objects.filter(recipient=sup_east).count() == 1
