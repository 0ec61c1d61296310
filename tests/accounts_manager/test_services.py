"""Users, assignments, handover, the work queue and in-app notices."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from accounts_manager import services
from accounts_manager.models import FollowUp, ManagerProfile, Notice, User
from common.actors import SYSTEM
from common.errors import DomainError
from common.roles import Role, role_of
from customers import portfolios as portfolio_moves
from customers.models import Assignment
from tests.factories import AssignmentFactory, CustomerFactory, FollowUpFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 16)


def time_at(day: dt.date):
    """Travel to 10:00 Shanghai time on `day`."""
    moment = dt.datetime.combine(day, dt.time(10), tzinfo=ZoneInfo("Asia/Shanghai"))
    return time_machine.travel(moment, tick=False)


def open_manager(customer):
    return Assignment.objects.open().get(customer=customer).manager


# --- users -----------------------------------------------------------------------------------


def test_creating_an_account_manager_also_creates_the_manager_profile(admin_user, east):
    user = services.create_user(
        username="mgr_new",
        password="Sehr-geheim-42",
        role="account_manager",
        acting_user=admin_user,
        name="新经理",
        region=east,
        employee_no="E100",
    )
    assert role_of(user) == Role.ACCOUNT_MANAGER
    assert ManagerProfile.objects.filter(user=user).exists()
    assert user.check_password("Sehr-geheim-42")


def test_creating_an_administrator_makes_a_staff_superuser(admin_user):
    user = services.create_user(
        username="root2", password="Sehr-geheim-42", role="admin", acting_user=SYSTEM
    )
    assert user.is_superuser and user.is_staff
    assert not user.groups.exists()


def test_unknown_role_is_refused_and_nothing_is_created():
    with pytest.raises(DomainError) as excinfo:
        services.create_user(
            username="x", password="Sehr-geheim-42", role="wizard", acting_user=SYSTEM
        )
    assert excinfo.value.field == "role"
    assert not User.objects.filter(username="x").exists()


def test_deactivating_a_manager_with_open_assignments_is_refused(mgr_a, admin_user):
    AssignmentFactory(manager=mgr_a)
    with pytest.raises(DomainError) as excinfo:
        services.update_user(mgr_a, acting_user=admin_user, is_active=False)
    assert excinfo.value.code == "manager_has_portfolio"
    mgr_a.refresh_from_db()
    assert mgr_a.is_active


def test_deactivating_a_manager_without_portfolio_records_the_leaving_date(mgr_a, admin_user):
    with time_at(TODAY):
        services.update_user(mgr_a, acting_user=admin_user, is_active=False)
    mgr_a.refresh_from_db()
    assert not mgr_a.is_active
    assert mgr_a.manager_profile.left_on == TODAY


def test_a_manager_with_a_portfolio_cannot_change_role(mgr_a, admin_user):
    AssignmentFactory(manager=mgr_a)
    with pytest.raises(DomainError):
        services.update_user(mgr_a, acting_user=admin_user, role="supervisor")
    assert role_of(User.objects.get(pk=mgr_a.pk)) == Role.ACCOUNT_MANAGER


def test_role_change_replaces_the_group(sup_east, admin_user):
    services.update_user(sup_east, acting_user=admin_user, role="auditor")
    assert list(User.objects.get(pk=sup_east.pk).groups.values_list("name", flat=True)) == [
        "auditor"
    ]


# --- assignments -----------------------------------------------------------------------------


def test_reassignment_ends_the_open_assignment_the_day_before_start(mgr_a, mgr_b, sup_east):
    customer = CustomerFactory()
    old = AssignmentFactory(customer=customer, manager=mgr_a, start=dt.date(2025, 1, 1))
    new = portfolio_moves.assign_customer(
        customer, manager=mgr_b, start=dt.date(2025, 7, 1), reason="调整", acting_user=sup_east
    )
    old.refresh_from_db()
    assert old.end == dt.date(2025, 6, 30)
    assert (new.start, new.end, new.manager, new.created_by) == (
        dt.date(2025, 7, 1),
        None,
        mgr_b,
        sup_east,
    )
    assert open_manager(customer) == mgr_b
    # The chain of responsibility is kept.
    assert list(Assignment.objects.filter(customer=customer).values_list("manager", flat=True)) == [
        mgr_b.pk,
        mgr_a.pk,
    ]


def test_reassignment_moves_the_customers_open_follow_ups(mgr_a, mgr_b):
    customer = CustomerFactory()
    AssignmentFactory(customer=customer, manager=mgr_a)
    open_one = FollowUpFactory(customer=customer, manager=mgr_a)
    done_one = FollowUpFactory(customer=customer, manager=mgr_a, status="done")
    portfolio_moves.assign_customer(customer, manager=mgr_b, acting_user=SYSTEM)
    open_one.refresh_from_db()
    done_one.refresh_from_db()
    assert open_one.manager == mgr_b
    assert done_one.manager == mgr_a


def test_assignment_defaults_to_today(mgr_a):
    customer = CustomerFactory()
    with time_at(TODAY):
        assignment = portfolio_moves.assign_customer(customer, manager=mgr_a, acting_user=SYSTEM)
    assert assignment.start == TODAY


@pytest.mark.parametrize(
    ("start", "code"),
    [(dt.date(2025, 1, 1), "start_too_early"), (dt.date(2024, 12, 1), "start_too_early")],
)
def test_reassignment_cannot_start_before_the_open_one(mgr_a, mgr_b, start, code):
    customer = CustomerFactory()
    AssignmentFactory(customer=customer, manager=mgr_a, start=dt.date(2025, 1, 1))
    with pytest.raises(DomainError) as excinfo:
        portfolio_moves.assign_customer(customer, manager=mgr_b, start=start, acting_user=SYSTEM)
    assert excinfo.value.code == code
    assert open_manager(customer) == mgr_a


def test_assigning_to_the_current_manager_again_is_refused(mgr_a):
    customer = CustomerFactory()
    AssignmentFactory(customer=customer, manager=mgr_a)
    with pytest.raises(DomainError) as excinfo:
        portfolio_moves.assign_customer(customer, manager=mgr_a, acting_user=SYSTEM)
    assert excinfo.value.code == "already_assigned"


@pytest.mark.parametrize("who", ["supervisor", "inactive_manager"])
def test_only_an_active_account_manager_can_take_a_customer(sup_east, who):
    target = sup_east
    if who == "inactive_manager":
        target = UserFactory(username="gone", role="account_manager", is_active=False)
    with pytest.raises(DomainError) as excinfo:
        portfolio_moves.assign_customer(CustomerFactory(), manager=target, acting_user=SYSTEM)
    assert excinfo.value.code == "not_a_manager"


# --- handover --------------------------------------------------------------------------------


def test_handover_moves_every_open_assignment_and_open_follow_up(mgr_a, mgr_b, mgr_c, sup_east):
    mine = [CustomerFactory() for _ in range(3)]
    for customer in mine:
        AssignmentFactory(customer=customer, manager=mgr_a, start=dt.date(2025, 1, 1))
    other = CustomerFactory()
    AssignmentFactory(customer=other, manager=mgr_c, start=dt.date(2025, 1, 1))
    open_followups = [FollowUpFactory(customer=c, manager=mgr_a) for c in mine]
    done = FollowUpFactory(customer=mine[0], manager=mgr_a, status="done")
    others_followup = FollowUpFactory(customer=other, manager=mgr_c)

    moved = portfolio_moves.handover_portfolio(
        mgr_a, to_manager=mgr_b, effective=dt.date(2025, 7, 1), acting_user=sup_east
    )

    assert moved == 3
    for customer in mine:
        assert open_manager(customer) == mgr_b
        ended = Assignment.objects.get(customer=customer, manager=mgr_a)
        assert ended.end == dt.date(2025, 6, 30)
    assert not Assignment.objects.open().filter(manager=mgr_a).exists()
    assert {
        f.manager_id for f in FollowUp.objects.filter(pk__in=[f.pk for f in open_followups])
    } == {mgr_b.pk}
    done.refresh_from_db()
    others_followup.refresh_from_db()
    assert done.manager == mgr_a
    assert others_followup.manager == mgr_c
    assert open_manager(other) == mgr_c


def test_handover_is_all_or_nothing(mgr_a, mgr_b):
    older = CustomerFactory()
    AssignmentFactory(customer=older, manager=mgr_a, start=dt.date(2025, 1, 1))
    recent = CustomerFactory()
    AssignmentFactory(customer=recent, manager=mgr_a, start=dt.date(2025, 7, 1))
    followup = FollowUpFactory(customer=older, manager=mgr_a)
    with pytest.raises(DomainError) as excinfo:
        portfolio_moves.handover_portfolio(
            mgr_a, to_manager=mgr_b, effective=dt.date(2025, 7, 1), acting_user=SYSTEM
        )
    assert excinfo.value.field == "effective"
    assert open_manager(older) == mgr_a
    assert open_manager(recent) == mgr_a
    followup.refresh_from_db()
    assert followup.manager == mgr_a


def test_handover_to_oneself_is_refused(mgr_a):
    with pytest.raises(DomainError) as excinfo:
        portfolio_moves.handover_portfolio(mgr_a, to_manager=mgr_a, acting_user=SYSTEM)
    assert excinfo.value.field == "to"


def test_handover_then_deactivation_succeeds(mgr_a, mgr_b, admin_user):
    AssignmentFactory(manager=mgr_a, start=dt.date(2025, 1, 1))
    portfolio_moves.handover_portfolio(
        mgr_a, to_manager=mgr_b, effective=dt.date(2025, 7, 1), acting_user=SYSTEM
    )
    services.update_user(mgr_a, acting_user=admin_user, is_active=False)
    assert not User.objects.get(pk=mgr_a.pk).is_active


# --- work queue ------------------------------------------------------------------------------


def test_raising_a_follow_up_twice_keeps_one_for_the_current_manager(mgr_a):
    customer = CustomerFactory()
    AssignmentFactory(customer=customer, manager=mgr_a)
    due = timezone.now() + dt.timedelta(days=1)
    first, created = services.raise_followup(
        customer, kind="risk", source="risk:1", summary="风险升高", due_at=due
    )
    again, created_again = services.raise_followup(
        customer, kind="risk", source="risk:1", summary="风险升高", due_at=due
    )
    assert created and not created_again
    assert first.pk == again.pk
    assert first.manager == mgr_a


def test_follow_up_of_an_unassigned_customer_has_no_manager():
    followup, _ = services.raise_followup(
        CustomerFactory(), kind="other", source="x:1", summary="…", due_at=timezone.now()
    )
    assert followup.manager is None


def test_closing_a_follow_up_records_who_and_when(mgr_a):
    followup = FollowUpFactory(manager=mgr_a)
    with time_at(TODAY):
        closed = services.close_followup(followup, status="done", acting_user=mgr_a, note="已回访")
    assert (closed.status, closed.closed_by, closed.note) == ("done", mgr_a, "已回访")
    assert timezone.localdate(closed.closed_at) == TODAY


def test_closed_follow_up_is_not_reopened(mgr_a):
    followup = FollowUpFactory(manager=mgr_a, status="done")
    with pytest.raises(DomainError) as excinfo:
        services.update_followup(followup, acting_user=mgr_a, status="open")
    assert excinfo.value.code == "cannot_reopen"


def test_closing_an_already_cancelled_follow_up_as_done_is_refused(mgr_a):
    followup = FollowUpFactory(manager=mgr_a, status="cancelled")
    with pytest.raises(DomainError):
        services.close_followup(followup, status="done", acting_user=mgr_a)


def test_update_follow_up_edits_and_closes_in_one_step(mgr_a):
    followup = FollowUpFactory(manager=mgr_a, summary="旧")
    updated = services.update_followup(
        followup, acting_user=mgr_a, summary="新", note="电话已通知", status="done"
    )
    assert (updated.summary, updated.note, updated.status) == ("新", "电话已通知", "done")


def test_closing_follow_ups_for_a_source_leaves_others_open():
    a = FollowUpFactory(source="promise:7", kind="promise")
    b = FollowUpFactory(source="promise:8", kind="promise")
    assert services.close_followups_for_source(source="promise:7") == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == ("done", "open")


# --- notices ---------------------------------------------------------------------------------


def test_notice_is_posted_once_per_key(sup_east):
    first, created = services.notify_user(sup_east, key="risk:1", title="风险升高")
    second, created_again = services.notify_user(sup_east, key="risk:1", title="风险升高")
    assert created and not created_again and first.pk == second.pk
    assert services.mark_notices_read(sup_east) == 1
    assert Notice.objects.unread().count() == 0


def test_supervisor_of_a_customer_is_its_managers_else_one_of_its_region(
    mgr_a, mgr_c, sup_east, east, west
):
    managed = CustomerFactory(region=west)
    AssignmentFactory(customer=managed, manager=mgr_a)
    assert services.supervisor_of(managed) == sup_east
    unassigned = CustomerFactory(region=east)
    assert services.supervisor_of(unassigned) == sup_east
    assert services.supervisor_of(CustomerFactory(region=west)) is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_reassignments_leave_one_open_assignment(mgr_a, mgr_b, mgr_c):
    """Two supervisors reassign the same customer at the same moment: the customer row lock
    serialises them, the second sees the first's assignment and is refused cleanly."""
    import threading

    from django.db import connection

    customer = CustomerFactory()
    AssignmentFactory(customer=customer, manager=mgr_a, start=dt.date(2025, 1, 1))
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def reassign(manager):
        try:
            barrier.wait(timeout=10)
            portfolio_moves.assign_customer(
                customer, manager=manager, start=dt.date(2025, 7, 1), acting_user=SYSTEM
            )
            outcomes[manager.username] = "assigned"
        except DomainError as exc:
            outcomes[manager.username] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=reassign, args=(m,)) for m in (mgr_b, mgr_c)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["assigned", "start_too_early"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "assigned")
    assert open_manager(customer).username == winner
    assert Assignment.objects.filter(customer=customer).count() == 2
