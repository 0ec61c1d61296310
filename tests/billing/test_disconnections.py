"""The disconnection procedure: every refusal, the calendar, approval, auto-cancel, reconnection."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from accounts_manager.models import FollowUp, Notice
from billing import disconnections
from billing.models import Disconnection, DisconnectionEvent
from common.actors import SYSTEM
from common.errors import DomainError, TransitionNotAllowed
from tests.billing.conftest import at
from tests.billing.factories import ActionFactory, BillFactory, BlockedDateFactory, NoticeFactory

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


def arrears(customer, *, due: str, total="5000.00"):
    """A bill of `total` due on `due`."""
    due_date = D(due)
    period = (due_date.replace(day=1) - dt.timedelta(days=32)).replace(day=1)
    return BillFactory(
        customer=customer,
        period=period,
        issue_date=due_date - dt.timedelta(days=20),
        due_date=due_date,
        total=Decimal(total),
    )


@pytest.fixture
def case(customer_for, mgr_a, clock):
    """On Tue 2025-06-03: a bill 39 days past due, urged by phone, notice delivered on 05-20."""
    clock("2025-06-03 09:00")
    customer = customer_for(mgr_a)
    arrears(customer, due="2025-04-25")
    ActionFactory(customer=customer, kind="call", at=at("2025-05-05"))
    notice = NoticeFactory(customer=customer, at=at("2025-05-20", 9))
    return customer, notice


def request(customer, scheduled="2025-06-05", **kwargs):
    from accounts_manager.models import User

    kwargs.setdefault("acting_user", User.objects.get(username="mgr_a"))
    return disconnections.request_disconnection(customer, scheduled_for=D(scheduled), **kwargs)


def refusal(customer, **kwargs) -> str:
    with pytest.raises(DomainError) as exc:
        request(customer, **kwargs)
    return exc.value.code


def test_a_request_that_meets_every_rule_is_recorded_with_its_evidence(case, mgr_a):
    customer, notice = case
    disconnection = request(customer, reason="欠费两个月")
    assert disconnection.status == "requested"
    assert disconnection.notice == notice
    assert disconnection.arrears_amount == Decimal("5000.00")
    assert disconnection.oldest_due_date == D("2025-04-25")
    assert list(disconnection.events.values_list("to_status", "by")) == [("requested", mgr_a.pk)]


def test_no_bill_more_than_30_days_past_due_is_refused(customer_for, mgr_a, clock):
    clock("2025-06-03 09:00")
    customer = customer_for(mgr_a)
    arrears(customer, due="2025-05-04")  # exactly 30 days past due
    ActionFactory(customer=customer, kind="call", at=at("2025-05-10"))
    NoticeFactory(customer=customer, at=at("2025-05-20"))
    assert refusal(customer) == "not_overdue"


def test_thirty_one_days_past_due_is_enough(customer_for, mgr_a, clock):
    clock("2025-06-03 09:00")
    customer = customer_for(mgr_a)
    arrears(customer, due="2025-05-03")
    ActionFactory(customer=customer, kind="call", at=at("2025-05-10"))
    NoticeFactory(customer=customer, at=at("2025-05-20"))
    assert request(customer).status == "requested"


def test_a_customer_never_urged_to_pay_is_refused(customer_for, mgr_a, clock):
    clock("2025-06-03 09:00")
    customer = customer_for(mgr_a)
    arrears(customer, due="2025-04-25")
    NoticeFactory(customer=customer, at=at("2025-05-20"))
    assert refusal(customer) == "not_urged"


def test_without_a_delivered_notice_it_is_refused(case):
    customer, notice = case
    notice.delivered_at = None
    notice.save(update_fields=["delivered_at"])
    assert refusal(customer, notice=notice) == "notice_not_delivered"
    assert refusal(customer) == "no_notice"


def test_a_notice_delivered_less_than_the_notice_period_before_is_refused(case):
    customer, _notice = case
    late = NoticeFactory(customer=customer, at=at("2025-05-30"))
    # Delivered 05-30, cut on 06-05: 6 days, one short of 7.
    assert refusal(customer, notice=late) == "notice_too_late"


def test_the_notice_period_is_a_setting(case, settings):
    customer, _notice = case
    settings.BILLING_DISCONNECTION_NOTICE_DAYS = 3
    late = NoticeFactory(customer=customer, at=at("2025-05-30"))
    assert request(customer, notice=late).notice == late


def test_another_customers_notice_is_refused(case, customer_for, mgr_a):
    customer, _notice = case
    other = NoticeFactory(customer=customer_for(mgr_a), at=at("2025-05-20"))
    assert refusal(customer, notice=other) == "not_a_notice"


def test_an_open_billing_complaint_blocks_the_request(case, monkeypatch):
    customer, _notice = case
    monkeypatch.setattr(
        "complaints.selectors.has_open_billing_complaint", lambda cid: cid == customer.pk
    )
    assert refusal(customer) == "billing_complaint_open"


@pytest.mark.parametrize(
    ("day", "code"),
    [
        ("2025-06-07", "rest_day"),  # Saturday
        ("2025-06-08", "rest_day"),  # Sunday
        ("2025-10-01", "public_holiday"),  # National Day
        ("2025-10-04", "public_holiday"),  # a Saturday inside the National Day holiday
        ("2025-06-10", "blocked_date"),  # blocked by an administrator
        ("2025-06-02", "in_past"),
    ],
)
def test_the_date_must_be_a_working_day_that_is_not_blocked(case, day, code):
    BlockedDateFactory(date=D("2025-06-10"))
    customer, _notice = case
    assert refusal(customer, scheduled=day) == code


def test_a_make_up_working_saturday_is_allowed(case):
    customer, _notice = case
    assert request(customer, scheduled="2025-10-11").status == "requested"  # 调休 Saturday


def test_only_one_disconnection_at_a_time(case):
    customer, _notice = case
    request(customer)
    assert refusal(customer, scheduled="2025-06-06") == "already_active"


def test_request_problems_lists_every_reason(customer_for, mgr_a, clock):
    clock("2025-06-03 09:00")
    customer = customer_for(mgr_a)
    codes = {
        p.code
        for p in disconnections.request_problems(
            customer, scheduled_for=D("2025-06-07"), notice=None
        )
    }
    assert codes == {"not_overdue", "no_notice", "rest_day"}


# --- approval ------------------------------------------------------------------------------


def test_a_supervisor_approves(case, sup_east):
    customer, _notice = case
    disconnection = disconnections.approve_disconnection(request(customer), acting_user=sup_east)
    assert (disconnection.status, disconnection.approved_by) == ("approved", sup_east)


def test_a_manager_cannot_approve(case, mgr_a):
    customer, _notice = case
    with pytest.raises(PermissionDenied):
        disconnections.approve_disconnection(request(customer), acting_user=mgr_a)


def test_an_important_customer_needs_the_authority_informed(customer_for, mgr_a, clock, sup_east):
    clock("2025-06-03 09:00")
    customer = customer_for(mgr_a, importance="level1")
    arrears(customer, due="2025-04-25")
    ActionFactory(customer=customer, kind="call", at=at("2025-05-05"))
    NoticeFactory(customer=customer, at=at("2025-05-20"))
    disconnection = request(customer)
    with pytest.raises(DomainError) as exc:
        disconnections.approve_disconnection(disconnection, acting_user=sup_east)
    assert exc.value.field == "authority_informed_at"

    approved = disconnections.approve_disconnection(
        disconnection, acting_user=sup_east, authority_informed_at=at("2025-06-02", 15)
    )
    assert approved.authority_informed_at == at("2025-06-02", 15)


def test_approving_twice_is_a_conflict(case, sup_east):
    customer, _notice = case
    disconnection = disconnections.approve_disconnection(request(customer), acting_user=sup_east)
    with pytest.raises(TransitionNotAllowed):
        disconnections.approve_disconnection(disconnection, acting_user=sup_east)


# --- execution and reconnection -------------------------------------------------------------


@pytest.fixture
def approved(case, sup_east):
    customer, _notice = case
    return disconnections.approve_disconnection(request(customer), acting_user=sup_east)


def test_execution_needs_a_reminder_at_least_30_minutes_before(approved, clock, mgr_a):
    clock("2025-06-05 10:00")
    ActionFactory(customer=approved.customer, kind="call", at=at("2025-06-05", 9, 45))
    with pytest.raises(DomainError) as exc:
        disconnections.execute_disconnection(approved, acting_user=mgr_a)
    assert exc.value.code == "no_second_reminder"

    reminder = ActionFactory(customer=approved.customer, kind="sms", at=at("2025-06-05", 9, 20))
    executed = disconnections.execute_disconnection(approved, acting_user=mgr_a)
    assert (executed.status, executed.last_reminder) == ("executed", reminder)


def test_execution_before_the_scheduled_day_is_refused(approved, clock, mgr_a):
    clock("2025-06-04 11:00")
    ActionFactory(customer=approved.customer, kind="call", at=at("2025-06-04", 9))
    with pytest.raises(DomainError) as exc:
        disconnections.execute_disconnection(approved, acting_user=mgr_a)
    assert exc.value.code == "too_early"


def test_execution_on_a_blocked_day_is_refused(approved, clock, mgr_a):
    BlockedDateFactory(date=D("2025-06-05"), reason="高考保电")
    clock("2025-06-05 11:00")
    ActionFactory(customer=approved.customer, kind="call", at=at("2025-06-05", 9))
    with pytest.raises(DomainError) as exc:
        disconnections.execute_disconnection(approved, acting_user=mgr_a)
    assert exc.value.code == "blocked_date"


def test_execution_of_a_requested_disconnection_is_a_conflict(case, clock, mgr_a):
    customer, _notice = case
    disconnection = request(customer)
    with pytest.raises(TransitionNotAllowed):
        disconnections.execute_disconnection(disconnection, acting_user=mgr_a)


@pytest.mark.parametrize("state", ["requested", "approved"])
def test_paying_the_arrears_cancels_a_pending_disconnection(case, sup_east, pay, state):
    customer, _notice = case
    disconnection = request(customer)
    if state == "approved":
        disconnections.approve_disconnection(disconnection, acting_user=sup_east)

    pay(customer, "5000.00")

    disconnection.refresh_from_db()
    assert disconnection.status == "cancelled"
    assert disconnection.events.last().to_status == "cancelled"
    assert disconnection.events.last().by is None  # the system, not a person


def test_a_partial_payment_does_not_cancel(case, pay):
    customer, _notice = case
    disconnection = request(customer)
    pay(customer, "4999.99")
    disconnection.refresh_from_db()
    assert disconnection.status == "requested"


def test_paying_after_execution_makes_reconnection_due_within_24_hours(approved, clock, mgr_a, pay):
    clock("2025-06-05 10:00")
    ActionFactory(customer=approved.customer, kind="call", at=at("2025-06-05", 9))
    disconnections.execute_disconnection(approved, acting_user=mgr_a)
    paid_at = clock("2025-06-06 14:00")

    pay(approved.customer, "5000.00")

    approved.refresh_from_db()
    assert approved.reconnect_due == paid_at + dt.timedelta(hours=24)
    followup = FollowUp.objects.get(kind="reconnection", source=f"disconnection:{approved.pk}")
    assert (followup.manager, followup.due_at, followup.status) == (
        mgr_a,
        approved.reconnect_due,
        "open",
    )


def test_a_late_reconnection_is_visible_and_reported_to_the_supervisor(
    approved, clock, mgr_a, sup_east, pay
):
    clock("2025-06-05 10:00")
    ActionFactory(customer=approved.customer, kind="call", at=at("2025-06-05", 9))
    disconnections.execute_disconnection(approved, acting_user=mgr_a)
    clock("2025-06-06 14:00")
    pay(approved.customer, "5000.00")
    clock("2025-06-07 15:00")

    assert list(Disconnection.objects.reconnection_overdue()) == [approved]
    assert disconnections.check_reconnections() == 1
    assert disconnections.check_reconnections() == 0  # told once
    assert Notice.objects.filter(
        recipient=sup_east, key=f"reconnection-overdue:{approved.pk}"
    ).exists()

    done = disconnections.reconnect_disconnection(approved, acting_user=mgr_a)
    assert done.status == "reconnected"
    assert done.reconnection_overdue
    assert FollowUp.objects.get(source=f"disconnection:{approved.pk}").status == "done"


def test_cancelled_disconnections_cannot_be_executed(case, mgr_a):
    customer, _notice = case
    disconnection = disconnections.cancel_disconnection(
        request(customer), acting_user=mgr_a, reason="客户承诺付款"
    )
    with pytest.raises(TransitionNotAllowed):
        disconnections.execute_disconnection(disconnection, acting_user=mgr_a)
    assert DisconnectionEvent.objects.filter(disconnection=disconnection).count() == 2


def test_the_daily_sweep_cancels_when_the_arrears_are_gone(case):
    customer, _notice = case
    disconnection = request(customer)
    from billing.services import write_off_bill

    bill = customer.bills.get()
    # A balance change outside the payment path (the bill is written off in the admin).
    write_off_bill(bill, reason="破产核销", acting_user=SYSTEM)
    disconnection.refresh_from_db()
    assert disconnection.status == "cancelled"
    assert disconnections.cancel_settled_disconnections() == 0


def test_a_request_asks_the_supervisor_for_approval_in_app_and_on_wecom(case, sup_east, settings):
    from accounts_manager.models import WeComMessage
    from tests.accounts_manager.wecom_server import turn_channel_on

    turn_channel_on(settings)
    sup_east.wecom_userid = "sup-east"
    sup_east.save(update_fields=["wecom_userid"])
    customer, _notice = case
    disconnection = request(customer)
    notice = Notice.objects.get(key=f"disconnection:{disconnection.pk}:approval")
    assert notice.recipient == sup_east
    message = WeComMessage.objects.get(recipient=sup_east)
    assert message.category == "approval" and message.key == f"notice:{notice.key}"
