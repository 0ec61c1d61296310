"""The project services: registration, energization updating the register, refusals, scope."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from common.actors import SYSTEM
from common.errors import DomainError, TransitionNotAllowed
from connections import paperwork, services
from connections.models import Project
from customers.models import Customer
from tests.connections.conftest import at, finish

pytestmark = pytest.mark.django_db


def walk_to_end(project, user=SYSTEM):
    for _ in project.step_codes[1:]:
        project = finish(project, user)
    return project


def test_external_ref_makes_a_second_push_return_the_same_project(applicant):
    with at(2026, 3, 2):
        first = applicant(external_ref="YX-2026-001")
        again, created = services.create_project(
            acting_user=SYSTEM,
            external_ref="YX-2026-001",
            kind="new",
            applicant_name="别的名字",
            region=first.region,
            voltage_kv=Decimal("10"),
            supply_scheme="hv_single",
            requested_capacity_kva=Decimal("1"),
        )
    assert (again.pk, created) == (first.pk, False)
    assert Project.objects.count() == 1


def test_registration_makes_the_steps_and_the_checklist(applicant):
    with at(2026, 3, 2):
        project = applicant(supply_scheme="lv", voltage_kv="0.4", backup_feeder=None)
    assert [s.step for s in project.steps.order_by("position")] == [
        "accepted",
        "supply_plan",
        "completion_inspection",
        "energization",
    ]
    assert list(project.documents.values_list("code", flat=True)) == [
        "identity",
        "property",
        "load_list",
        "drawings",
    ]
    assert project.number.startswith("YK202603")
    assert project.events.get().kind == "created"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "increase"}, "customer"),
        ({"credit_code": "91350100M000100Y4X"}, "credit_code"),
        ({"supply_scheme": "lv"}, "supply_scheme"),
        ({"manager": None, "acting_user": SYSTEM}, "manager"),
    ],
)
def test_inconsistent_applications_are_refused_on_their_field(applicant, fields, field):
    with pytest.raises(DomainError) as refused:
        applicant(**fields)
    assert refused.value.field == field
    assert not Project.objects.exists()


def test_a_single_supply_has_no_second_feeder(applicant, feeders):
    with pytest.raises(DomainError) as refused:
        applicant(supply_scheme="hv_single", backup_feeder=feeders[1])
    assert refused.value.field == "backup_feeder"


def test_energizing_an_applicant_creates_the_customer_with_both_supply_points(
    applicant, mgr_a, feeders
):
    with at(2026, 3, 2):
        project = applicant(contact_name="王工", contact_phone="13800138000")
        project = walk_to_end(project, mgr_a)
    project.refresh_from_db()
    assert project.status == "energized"
    customer = project.customer
    contact = customer.contacts.get()
    assert (contact.name, contact.role, contact.mobile) == ("王工", "electrical", "+8613800138000")
    assert customer.name == "新能源装备制造有限公司"
    assert customer.contract_capacity_kva == Decimal("5000")
    points = {(p.feeder_id, p.is_primary) for p in customer.supply_points.all()}
    assert points == {(feeders[0].pk, True), (feeders[1].pk, False)}
    assert customer.assignments.get(end__isnull=True).manager == mgr_a
    assert customer.history.first().history_user == mgr_a
    assert project.utility_working_days_final == 0
    assert project.events.filter(kind="energized").exists()


def test_energizing_an_increase_adds_the_capacity_with_history(
    applicant, customer_for, mgr_a, sup_east
):
    customer = customer_for(mgr_a, contract_capacity_kva=Decimal("2000"))
    with at(2026, 3, 2):
        project = applicant(
            kind="increase",
            customer=customer,
            supply_scheme="hv_single",
            backup_feeder=None,
            requested_capacity_kva=Decimal("1250"),
        )
        walk_to_end(project, sup_east)
    customer.refresh_from_db()
    assert customer.contract_capacity_kva == Decimal("3250")
    latest = customer.history.order_by("-history_id").first()
    assert (latest.history_user, latest.contract_capacity_kva) == (sup_east, Decimal("3250"))


def test_energizing_without_the_plan_s_feeder_is_refused_and_changes_nothing(applicant):
    with at(2026, 3, 2):
        project = applicant(primary_feeder=None, backup_feeder=None, supply_scheme="hv_single")
        for _ in range(4):
            project = finish(project)
        with pytest.raises(DomainError) as refused:
            finish(project)
    assert refused.value.field == "primary_feeder"
    project.refresh_from_db()
    assert (project.status, project.current_step) == ("open", "energization")
    assert not Customer.objects.exists()


def test_cancel_and_archive(applicant):
    with at(2026, 3, 2):
        project = applicant()
    with at(2026, 3, 4):
        services.wait_for_customer(project, acting_user=SYSTEM, reason="客户暂缓")
        services.cancel_project(project, acting_user=SYSTEM, reason="客户撤回申请")
    project.refresh_from_db()
    assert (project.status, project.utility_working_days_final) == ("cancelled", 2)
    assert project.waits.get().ended_at is not None
    with pytest.raises(TransitionNotAllowed):
        finish(project)
    services.archive_project(project, acting_user=SYSTEM)
    with pytest.raises(TransitionNotAllowed):
        services.archive_project(project, acting_user=SYSTEM)


def test_waiting_refuses_finishing_and_a_second_wait(applicant):
    with at(2026, 3, 2):
        project = applicant()
        services.suspend_project(project, acting_user=SYSTEM, reason="客户要求暂停")
        with pytest.raises(TransitionNotAllowed):
            finish(project)
        with pytest.raises(TransitionNotAllowed):
            services.wait_for_customer(project, acting_user=SYSTEM, reason="again")
    assert project.waits.get().kind == "customer_pause"


def test_the_auditor_may_not_act(applicant, auditor):
    with at(2026, 3, 2):
        project = applicant()
        with pytest.raises(PermissionDenied):
            finish(project, auditor)


def test_the_customer_confirms_reading_the_plan_once_it_is_answered(applicant):
    with at(2026, 3, 2):
        project = applicant()
        with pytest.raises(TransitionNotAllowed):
            paperwork.confirm_plan_read(project.progress_token)
        finish(project)
        assert paperwork.confirm_plan_read(project.progress_token)[1] is True
        assert paperwork.confirm_plan_read(project.progress_token)[1] is False
    assert paperwork.confirm_plan_read("nope") == (None, False)


def test_documents_are_ticked_off(applicant, mgr_a):
    with at(2026, 3, 2):
        project = applicant()
        item = paperwork.receive_document(project, acting_user=mgr_a, code="identity")
    assert item.received_by == mgr_a
    with pytest.raises(DomainError):
        paperwork.receive_document(project, acting_user=mgr_a, code="unknown")


def test_scoping_follows_the_customers(
    applicant, customer_for, mgr_a, mgr_b, mgr_c, sup_east, sup_all, auditor, west
):
    with at(2026, 3, 2):
        own = applicant()
        of_b_customer = applicant(
            kind="increase",
            customer=customer_for(mgr_b),
            supply_scheme="hv_single",
            backup_feeder=None,
            manager=mgr_b,
        )
        in_west = applicant(region=west, manager=mgr_c, primary_feeder=None, backup_feeder=None)

    def seen(user):
        return set(Project.objects.visible_to(user).values_list("pk", flat=True))

    assert seen(mgr_a) == {own.pk}
    assert seen(mgr_b) == {of_b_customer.pk}
    assert seen(sup_east) == {own.pk, of_b_customer.pk}
    assert seen(sup_all) == seen(auditor) == {own.pk, of_b_customer.pk, in_west.pk}
