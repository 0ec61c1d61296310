"""Registering a connection project: the application accepted (受理), its steps, limits and
document checklist; `external_ref` makes a second push of the same application a no-op."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.actors import Actor, person
from common.errors import DomainError
from common.moments import check_happened
from common.roles import Role, role_of
from connections import clock, policy
from connections.documents import required_documents
from connections.events import record_event
from connections.models import (
    KINDS_FOR_CUSTOMERS,
    DocumentItem,
    EventKind,
    Kind,
    Project,
    ProjectStep,
    Scheme,
    Step,
    StepStatus,
    steps_of,
)
from connections.runs import start_run
from customers.policy import check_customer_in_scope
from customers.portfolios import current_assignment
from customers.validators import credit_code_problem, normalize_credit_code

# Fields a live project's details may change through `update_project`.
EDITABLE_FIELDS = (
    "applicant_name",
    "credit_code",
    "address",
    "voltage_kv",
    "requested_capacity_kva",
    "segment",
    "tariff",
    "primary_feeder",
    "backup_feeder",
    "contact_name",
    "contact_phone",
    "manager",
)
# Below this a supply is low voltage (0.4 kV, 0.22 kV); at or above it high voltage.
HV_FROM_KV = Decimal("1")


def _check_manager(manager, *, acting_user: Actor, current=None) -> None:
    if manager is None:
        raise DomainError("required", _("Choose the account manager."), field="manager")
    if role_of(manager) != Role.ACCOUNT_MANAGER:
        raise DomainError(
            "not_a_manager", _("This user is not an active account manager."), field="manager"
        )
    role = role_of(acting_user)
    if role == Role.ACCOUNT_MANAGER and manager.pk != acting_user.pk and manager != current:
        raise DomainError(
            "not_own",
            _("An account manager registers projects for themselves; a supervisor reassigns."),
            field="manager",
        )


def _check_voltage(scheme: str, voltage_kv) -> None:
    if voltage_kv is None:
        return
    low = Decimal(voltage_kv) < HV_FROM_KV
    if low != (scheme == Scheme.LV):
        raise DomainError(
            "scheme_voltage",
            _("A low-voltage scheme is below 1 kV; a high-voltage scheme is 1 kV or more."),
            field="supply_scheme",
        )


def _check_feeders(project: Project, fields: dict) -> None:
    primary = fields.get("primary_feeder", project.primary_feeder)
    backup = fields.get("backup_feeder", project.backup_feeder)
    if primary is not None and backup is not None and primary.pk == backup.pk:
        raise DomainError(
            "same_feeder",
            _("The second feeder must differ from the primary."),
            field="backup_feeder",
        )
    if backup is not None and project.supply_scheme != Scheme.HV_DUAL:
        raise DomainError(
            "single_supply",
            _("Only a dual-supply project has a second feeder."),
            field="backup_feeder",
        )


def check_fields(project: Project, *, acting_user: Actor, fields: dict) -> None:
    """Refuse details that do not hold together (400 with the field)."""
    if "credit_code" in fields:
        fields["credit_code"] = normalize_credit_code(fields["credit_code"] or "")
        problem = credit_code_problem(fields["credit_code"]) if fields["credit_code"] else None
        if problem:
            raise DomainError("credit_code", problem[1], field="credit_code")
    if "applicant_name" in fields and not (fields["applicant_name"] or "").strip():
        raise DomainError("required", _("Give the applicant's name."), field="applicant_name")
    if "manager" in fields and fields["manager"] != project.manager:
        if role_of(acting_user) == Role.ACCOUNT_MANAGER:
            raise DomainError(
                "not_own",
                _("Only a supervisor hands a project to another manager."),
                field="manager",
            )
        _check_manager(fields["manager"], acting_user=acting_user)
    _check_voltage(project.supply_scheme, fields.get("voltage_kv", project.voltage_kv))
    _check_feeders(project, fields)


def _defaults_from_customer(fields: dict, customer) -> None:
    fields["applicant_name"] = (fields.get("applicant_name") or "").strip() or customer.name
    fields["credit_code"] = fields.get("credit_code") or customer.credit_code
    fields["region"] = fields.get("region") or customer.region
    fields.setdefault("segment", customer.segment)
    fields.setdefault("tariff", customer.tariff)
    fields["address"] = fields.get("address") or customer.address


def _check_new(fields: dict, *, acting_user: Actor) -> None:
    kind, customer = fields.get("kind"), fields.get("customer")
    if kind not in Kind.values:
        raise DomainError("invalid_choice", _("Choose a kind of project."), field="kind")
    if fields.get("supply_scheme") not in Scheme.values:
        raise DomainError("invalid_choice", _("Choose a supply scheme."), field="supply_scheme")
    if customer is None and kind in KINDS_FOR_CUSTOMERS:
        raise DomainError(
            "customer_required",
            _("This kind of project is for a customer already in the register."),
            field="customer",
        )
    if customer is not None:
        check_customer_in_scope(acting_user, customer)
        _defaults_from_customer(fields, customer)
    elif not fields.get("credit_code"):
        raise DomainError(
            "required", _("Give the applicant's unified social credit code."), field="credit_code"
        )
    if fields.get("region") is None:
        raise DomainError("required", _("Choose the region."), field="region")
    if role_of(acting_user) == Role.SUPERVISOR and acting_user.region_id not in (
        None,
        fields["region"].pk,
    ):
        raise DomainError(
            "other_region", _("You register projects in your own region only."), field="region"
        )


def _manager_for(fields: dict, acting_user: Actor):
    manager = fields.get("manager")
    if manager is None and role_of(acting_user) == Role.ACCOUNT_MANAGER:
        manager = acting_user
    if manager is None and fields.get("customer") is not None:
        assignment = current_assignment(fields["customer"])
        manager = assignment.manager if assignment else None
    _check_manager(manager, acting_user=acting_user)
    return manager


def create_project(
    *, acting_user: Actor, external_ref: str = "", accepted_at: dt.datetime | None = None, **fields
) -> tuple[Project, bool]:
    """Accept an application (受理): the project, its steps with their limits, its checklist.

    Returns (project, created); the same non-empty `external_ref` again returns the existing
    project unchanged.
    """
    policy.require(acting_user, "create")
    external_ref = (external_ref or "").strip()
    if external_ref:
        existing = Project.objects.filter(external_ref=external_ref).first()
        if existing is not None:
            return _same_caller(existing, acting_user), False
    try:
        with transaction.atomic():
            return _create(acting_user, external_ref, accepted_at, fields), True
    except IntegrityError:
        existing = (
            Project.objects.filter(external_ref=external_ref).first() if external_ref else None
        )
        if existing is None:
            raise
        # Registered concurrently by another request: the constraint kept it single.
        return _same_caller(existing, acting_user), False


def _same_caller(existing: Project, acting_user: Actor) -> Project:
    """The existing project of a repeated `external_ref`, if the caller may see it; else only
    "already used" (its existence outside the caller's scope is not revealed)."""
    if not Project.objects.visible_to(acting_user).filter(pk=existing.pk).exists():
        raise DomainError(
            "already_used", _("This reference is already used."), field="external_ref"
        )
    return existing


def _create(acting_user: Actor, external_ref: str, accepted_at, fields: dict) -> Project:
    _check_new(fields, acting_user=acting_user)
    manager = _manager_for(fields, acting_user)
    accepted_at = check_happened(accepted_at, field="accepted_at") or timezone.now()
    project = Project(
        number=f"TMP-{timezone.now().timestamp()}",
        external_ref=external_ref,
        manager=manager,
        accepted_at=accepted_at,
        current_step=Step.SUPPLY_PLAN,
        limit_working_days=clock.commitment_for(fields["supply_scheme"]),
        created_by=person(acting_user),
        **{k: v for k, v in fields.items() if k != "manager"},
    )
    check_fields(project, acting_user=acting_user, fields={})
    if project.credit_code:
        check_fields(project, acting_user=acting_user, fields={"credit_code": project.credit_code})
        project.credit_code = normalize_credit_code(project.credit_code)
    project.full_clean(exclude=["number", "progress_token"])
    project.save()
    project.number = f"YK{timezone.localtime(accepted_at):%Y%m}{project.pk:06d}"
    _make_steps(project, accepted_at)
    project.save(update_fields=["number", "due_on"])
    DocumentItem.objects.bulk_create(
        DocumentItem(project=project, code=code, position=n)
        for n, code in enumerate(required_documents(project.kind))
    )
    record_event(
        project,
        EventKind.CREATED,
        actor=acting_user,
        at=accepted_at,
        step=Step.ACCEPTED,
        to_status=project.status,
        data={"external_ref": external_ref} if external_ref else {},
    )
    return project


def _make_steps(project: Project, accepted_at: dt.datetime) -> None:
    steps = []
    for position, code in enumerate(steps_of(project.supply_scheme)):
        limits = clock.limits_for(project.kind, project.supply_scheme, code)
        steps.append(
            ProjectStep(
                project=project,
                step=code,
                position=position,
                limit_working_days=limits.limit,
                regulator_working_days=limits.regulator,
            )
        )
    accepted = steps[0]
    accepted.status = StepStatus.DONE
    accepted.started_at = accepted.finished_at = accepted.run_started_at = accepted_at
    accepted.working_days = 0
    ProjectStep.objects.bulk_create(steps)
    start_run(project, steps[1], accepted_at)
