"""The complaint services: registration, repeats, resolution, callback, closure, reopening."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from accounts_manager.models import FollowUp, Notice
from common.actors import SYSTEM
from common.errors import DomainError, TransitionNotAllowed
from complaints import closure, services
from complaints.models import CallbackAttempt, Complaint, ComplaintEvent, Status
from complaints.selectors import has_open_billing_complaint
from tests.complaints.conftest import local, resolution

pytestmark = pytest.mark.django_db


# --- registration ----------------------------------------------------------------------------


def test_new_ticket_is_numbered_by_day_and_assigned_to_the_account_manager(
    register, customer_for, mgr_a
):
    customer = customer_for(mgr_a)
    with time_machine.travel(local(2026, 3, 6, 10, 0), tick=False):
        first = register(customer)
        second = register(customer, category="billing")
    assert first.ticket_no == "TS202603060001"
    assert second.ticket_no == "TS202603060002"
    assert first.assignee == mgr_a
    assert first.status == Status.NEW
    assert list(first.events.values_list("kind", flat=True)) == ["created"]
    assert Notice.objects.filter(recipient=mgr_a, key__startswith=f"complaint:{first.pk}").exists()


def test_given_assignee_wins_over_the_account_manager(register, customer_for, mgr_a, mgr_b):
    complaint = register(customer_for(mgr_a), assignee=mgr_b)
    assert complaint.assignee == mgr_b


def test_assignee_must_be_a_manager_or_supervisor(register, customer_for, mgr_a, auditor):
    with pytest.raises(DomainError) as exc:
        register(customer_for(mgr_a), assignee=auditor)
    assert exc.value.field == "assignee"


def test_customer_without_manager_is_unassigned_and_the_supervisor_is_told(
    register, customer_for, sup_east
):
    complaint = register(customer_for(None))
    assert complaint.assignee is None
    assert Notice.objects.filter(recipient=sup_east, key=f"complaint:{complaint.pk}:unassigned")


@pytest.mark.date_sensitive
def test_receipt_time_in_the_future_is_refused(register, customer_for, mgr_a):
    with pytest.raises(DomainError) as exc:
        register(customer_for(mgr_a), received_at=timezone.now() + dt.timedelta(hours=1))
    assert exc.value.field == "received_at"
    assert not Complaint.objects.exists()


def test_same_external_ref_returns_the_existing_ticket(register, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    first = register(customer, external_ref="95598-2026-000123")
    again, created = services.register_complaint(
        customer=customer,
        channel="hotline_95598",
        category="power_quality",
        description="重复推送",
        external_ref="95598-2026-000123",
        acting_user=SYSTEM,
    )
    assert not created
    assert again.pk == first.pk
    assert Complaint.objects.count() == 1


# --- repeats ---------------------------------------------------------------------------------


@pytest.mark.date_sensitive
@pytest.mark.parametrize(
    ("days_later", "is_repeat"),
    [(1, True), (89, True), (90, True), (91, False)],
)
def test_repeat_within_ninety_days_is_linked_and_raised(
    register, customer_for, mgr_a, sup_east, days_later, is_repeat
):
    customer = customer_for(mgr_a)
    with time_machine.travel(local(2026, 3, 2, 9, 0), tick=False):
        earlier = register(customer, received_at=local(2026, 3, 2, 9, 0))
    with time_machine.travel(local(2026, 3, 2, 23, 0) + dt.timedelta(days=days_later), tick=False):
        later = register(customer)
    assert later.is_repeat is is_repeat
    assert later.repeat_of_id == (earlier.pk if is_repeat else None)
    assert later.severity == ("urgent" if is_repeat else "normal")
    told = Notice.objects.filter(recipient=sup_east, key=f"complaint:{later.pk}:repeat").exists()
    assert told is is_repeat


@pytest.mark.date_sensitive
def test_repeat_of_an_urgent_complaint_becomes_major_and_needs_contact_in_two_hours(
    register, customer_for, mgr_a
):
    customer = customer_for(mgr_a)
    with time_machine.travel(local(2026, 3, 2, 9, 0), tick=False):
        register(customer, received_at=local(2026, 3, 2, 9, 0))
    with time_machine.travel(local(2026, 3, 20, 9, 0), tick=False):
        later = register(customer, severity="urgent")
    assert later.severity == "major"
    assert later.ack_due == local(2026, 3, 20, 11, 0)


def test_other_category_or_other_customer_is_not_a_repeat(register, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    register(customer, category="billing")
    assert not register(customer, category="metering").is_repeat
    assert not register(customer_for(mgr_a), category="billing").is_repeat


# --- transitions and resolution --------------------------------------------------------------


def test_acknowledge_start_resolve_record_events(register, customer_for, mgr_a, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    kinds = list(complaint.events.values_list("kind", "from_status", "to_status"))
    assert kinds == [
        ("created", "", "new"),
        ("acknowledged", "new", "acknowledged"),
        ("started", "acknowledged", "in_progress"),
        ("resolved", "in_progress", "resolved"),
    ]
    assert complaint.resolved_by == mgr_a
    assert complaint.responsibility == "company"


def test_resolving_twice_is_a_conflict(register, customer_for, mgr_a, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    with pytest.raises(TransitionNotAllowed):
        services.resolve_complaint(complaint, acting_user=mgr_a, **resolution())


@pytest.mark.parametrize(
    "missing",
    [
        "root_cause",
        "responsibility",
        "justification",
        "corrective_action",
        "customer_informed_at",
        "customer_informed_via",
    ],
)
def test_every_resolution_field_is_required(register, customer_for, mgr_a, drive, missing):
    complaint = drive(register(customer_for(mgr_a)), Status.IN_PROGRESS)
    values = resolution(**{missing: "" if missing != "customer_informed_at" else None})
    with pytest.raises(ValidationError) as exc:
        services.resolve_complaint(complaint, acting_user=mgr_a, **values)
    assert set(exc.value.message_dict) == {missing}
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    assert not complaint.events.filter(kind="resolved").exists()


def test_customer_informed_before_receipt_is_refused(register, customer_for, mgr_a, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.ACKNOWLEDGED)
    values = resolution(customer_informed_at=complaint.received_at - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        services.resolve_complaint(complaint, acting_user=mgr_a, **values)
    assert "customer_informed_at" in exc.value.message_dict


def test_resolving_closes_the_deadline_follow_ups(register, customer_for, mgr_a, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.IN_PROGRESS)
    from accounts_manager.services import raise_followup

    raise_followup(
        complaint.customer,
        kind="complaint",
        source=f"complaint:{complaint.pk}:resolve",
        summary="x",
        due_at=complaint.resolve_due,
    )
    services.resolve_complaint(complaint, acting_user=mgr_a, **resolution())
    assert not FollowUp.objects.open().filter(source__startswith=f"complaint:{complaint.pk}:")


# --- callback and closure --------------------------------------------------------------------


def test_solved_callback_closes_the_ticket(register, customer_for, mgr_a, sup_east, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    closure.record_callback(
        complaint, acting_user=sup_east, satisfaction=4, solved=True, notes="客户确认电压已稳定"
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert (complaint.satisfaction, complaint.solved) == (4, True)
    assert complaint.closed_by == sup_east
    assert not complaint.closed_without_callback
    assert not FollowUp.objects.filter(kind="satisfaction").exists()


def test_not_solved_reopens_with_deadlines_counted_from_the_callback(
    register, customer_for, mgr_a, sup_east, drive
):
    with time_machine.travel(local(2026, 9, 21, 9, 0), tick=False):
        complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    with time_machine.travel(local(2026, 9, 30, 10, 0), tick=False):
        closure.record_callback(complaint, acting_user=sup_east, satisfaction=3, solved=False)
    complaint.refresh_from_db()
    assert complaint.status == Status.REOPENED
    assert complaint.cycle == 1 and complaint.reopen_count == 1
    assert complaint.ack_due == local(2026, 10, 1, 10, 0)
    assert complaint.resolve_due == local(2026, 10, 13, 10, 0)
    assert complaint.acknowledged_at is None and complaint.resolved_at is None
    reopened = complaint.events.get(kind="reopened")
    assert reopened.data["resolution"]["root_cause"] == "10kV线路接头松动导致电压波动"
    # The new cycle starts with contacting the customer again.
    services.acknowledge_complaint(complaint, acting_user=mgr_a)


@pytest.mark.parametrize(("satisfaction", "raised"), [(1, True), (2, True), (3, False), (5, False)])
def test_low_satisfaction_opens_a_follow_up_for_the_manager(
    register, customer_for, mgr_a, sup_east, drive, satisfaction, raised
):
    complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    closure.record_callback(complaint, acting_user=sup_east, satisfaction=satisfaction, solved=True)
    followups = FollowUp.objects.filter(kind="satisfaction", source=f"complaint:{complaint.pk}")
    assert followups.exists() is raised
    if raised:
        assert followups.get().manager == mgr_a


def test_callback_is_not_made_by_the_resolver(register, customer_for, mgr_a, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    with pytest.raises(DomainError) as exc:
        closure.record_callback(complaint, acting_user=mgr_a, satisfaction=5, solved=True)
    assert exc.value.code == "callback_by_resolver"


@override_settings(COMPLAINT_CALLBACK_BY_RESOLVER_ALLOWED=True)
def test_resolver_callback_can_be_allowed_by_setting(register, customer_for, mgr_a, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    closure.record_callback(complaint, acting_user=mgr_a, satisfaction=5, solved=True)
    assert Complaint.objects.get(pk=complaint.pk).status == Status.CLOSED


def test_callback_needs_satisfaction_and_solved(register, customer_for, mgr_a, sup_east, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    with pytest.raises(ValidationError) as exc:
        closure.record_callback(complaint, acting_user=sup_east, satisfaction=7, solved=None)
    assert set(exc.value.message_dict) == {"satisfaction", "solved"}
    assert not CallbackAttempt.objects.exists()


def test_supervisor_closes_without_callback_only_after_three_failed_attempts(
    register, customer_for, mgr_a, sup_east, drive
):
    complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    for attempt in range(3):
        with pytest.raises(DomainError) as exc:
            closure.close_without_callback(complaint, acting_user=sup_east, reason="多次联系未果")
        assert exc.value.code == "callback_not_attempted"
        closure.record_callback(
            complaint, acting_user=sup_east, reached=False, notes=f"第{attempt + 1}次无人接听"
        )
    closure.close_without_callback(complaint, acting_user=sup_east, reason="三次回访均无人接听")
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert complaint.closed_without_callback
    assert complaint.close_reason == "三次回访均无人接听"
    assert complaint.failed_callbacks == 3
    assert CallbackAttempt.objects.filter(complaint=complaint, reached=False).count() == 3
    assert complaint.events.filter(kind="closed_without_callback").exists()


@override_settings(COMPLAINT_CLOSE_WITHOUT_CALLBACK_AFTER_ATTEMPTS=0)
def test_close_without_callback_needs_a_reason(register, customer_for, mgr_a, sup_east, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    with pytest.raises(DomainError) as exc:
        closure.close_without_callback(complaint, acting_user=sup_east, reason="  ")
    assert exc.value.field == "reason"


@override_settings(COMPLAINT_CLOSE_WITHOUT_CALLBACK_AFTER_ATTEMPTS=0)
def test_manager_cannot_close_without_callback(register, customer_for, mgr_a, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    with pytest.raises(PermissionDenied):
        closure.close_without_callback(complaint, acting_user=mgr_a, reason="客户失联")
    assert Complaint.objects.get(pk=complaint.pk).status == Status.RESOLVED


def test_reopening_a_closed_ticket_starts_a_new_cycle(register, customer_for, mgr_a, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.CLOSED)
    closure.reopen_complaint(complaint, acting_user=mgr_a, reason="客户反映问题再次出现")
    complaint.refresh_from_db()
    assert complaint.status == Status.REOPENED
    assert complaint.closed_at is None
    assert complaint.events.filter(kind="reopened", message="客户反映问题再次出现").exists()


# --- assignment, edits, comments, attachments ------------------------------------------------


def test_assigning_moves_the_deadline_follow_ups(register, customer_for, mgr_a, mgr_b, sup_east):
    complaint = register(customer_for(mgr_a))
    from accounts_manager.services import raise_followup

    raise_followup(
        complaint.customer,
        kind="complaint",
        source=f"complaint:{complaint.pk}:ack",
        summary="x",
        due_at=complaint.ack_due,
        manager=mgr_a,
    )
    services.assign_complaint(complaint, assignee=mgr_b, acting_user=sup_east, note="乙熟悉该线路")
    complaint.refresh_from_db()
    assert complaint.assignee == mgr_b
    assert FollowUp.objects.get(source=f"complaint:{complaint.pk}:ack").manager == mgr_b
    assert complaint.events.get(kind="assigned").data == {"from": mgr_a.pk, "to": mgr_b.pk}


def test_new_severity_recomputes_the_deadlines(register, customer_for, mgr_a):
    with time_machine.travel(local(2026, 3, 6, 10, 0), tick=False):
        complaint = register(customer_for(mgr_a))
        services.update_complaint(complaint, acting_user=mgr_a, severity="urgent")
    complaint.refresh_from_db()
    assert complaint.ack_due == local(2026, 3, 6, 12, 0)
    assert complaint.events.get(kind="updated").data["changes"]["severity"] == ["normal", "urgent"]


def test_closed_ticket_cannot_be_edited(register, customer_for, mgr_a, drive):
    complaint = drive(register(customer_for(mgr_a)), Status.CLOSED)
    with pytest.raises(TransitionNotAllowed):
        services.update_complaint(complaint, acting_user=mgr_a, description="改")


def test_empty_comment_is_refused(register, customer_for, mgr_a):
    complaint = register(customer_for(mgr_a))
    with pytest.raises(DomainError):
        services.add_comment(complaint, acting_user=mgr_a, text="   ")
    services.add_comment(complaint, acting_user=mgr_a, text="已电话联系客户电工")
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="comment").count() == 1


# --- the billing hold ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "held"),
    [
        (Status.NEW, True),
        (Status.ACKNOWLEDGED, True),
        (Status.IN_PROGRESS, True),
        (Status.RESOLVED, True),
        (Status.REOPENED, True),
        (Status.CLOSED, False),
    ],
)
def test_billing_complaint_holds_disconnection_until_closed(
    register, customer_for, mgr_a, drive, status, held
):
    customer = customer_for(mgr_a)
    drive(register(customer, category="billing"), status)
    assert has_open_billing_complaint(customer.pk) is held


def test_other_categories_and_customers_do_not_hold_disconnection(register, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    register(customer, category="power_quality")
    register(customer_for(mgr_a), category="billing")
    assert has_open_billing_complaint(customer.pk) is False


def test_handover_moves_open_tickets_with_their_follow_ups(
    register, customer_for, mgr_a, mgr_b, sup_east, drive
):
    from accounts_manager.services import raise_followup

    open_ticket = register(customer_for(mgr_a))
    closed_ticket = drive(register(customer_for(mgr_a)), Status.CLOSED)
    raise_followup(
        open_ticket.customer,
        kind="complaint",
        summary="x",
        source=f"complaint:{open_ticket.pk}:ack",
        due_at=open_ticket.ack_due,
        manager=mgr_a,
    )
    moved = services.move_open_complaints(from_user=mgr_a, to_user=mgr_b, acting_user=sup_east)
    assert moved == 1
    assert Complaint.objects.get(pk=open_ticket.pk).assignee == mgr_b
    assert Complaint.objects.get(pk=closed_ticket.pk).assignee == mgr_a
    assert FollowUp.objects.get(source=f"complaint:{open_ticket.pk}:ack").manager == mgr_b
    assert open_ticket.events.filter(kind="assigned", actor=sup_east).exists()
    assert (
        Notice.objects.filter(recipient=mgr_b, key__startswith="complaints:handover:").count() == 1
    )
