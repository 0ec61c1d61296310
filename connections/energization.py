"""At energization (装表接电) the register is brought up to date through the customers'
services, so the change is in the customer's history under the person who energized it.

- new connection, temporary supply: the applicant becomes a customer (or the customer's
  capacity becomes the project's), with the voltage, tariff and supply points of the plan;
- capacity increase / decrease: the capacity moves by the requested amount;
- suspension / resumption: the customer is suspended / active again.

The write runs as the acting user when that user may change this customer; otherwise (the
marketing system through the API, or a manager who owns the project but not the customer)
as the system, which the history shows as such.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.actors import SYSTEM, Actor, is_system
from common.errors import DomainError
from connections.models import Kind, Project, Scheme
from customers import policy as customer_policy
from customers import services as customer_services
from customers.models import ContactRole, Customer, CustomerStatus
from customers.services import SupplyPointInput
from customers.validators import normalize_mobile


def _writer(acting_user: Actor, customer: Customer | None) -> Actor:
    if is_system(acting_user) or not customer_policy.may(acting_user, "update_customer"):
        return SYSTEM
    if customer is not None and not Customer.objects.visible_to(acting_user).filter(pk=customer.pk):
        return SYSTEM
    return acting_user


def _supply_points(project: Project) -> list[SupplyPointInput] | None:
    if project.primary_feeder_id is None:
        return None
    points = [SupplyPointInput(feeder_id=project.primary_feeder_id, is_primary=True)]
    if project.backup_feeder_id is not None:
        points.append(SupplyPointInput(feeder_id=project.backup_feeder_id, is_primary=False))
    return points


def check_ready(project: Project) -> None:
    """Refuse (400) energizing a project whose plan lacks what the register needs."""
    creates = project.customer_id is None
    if creates or project.kind in (Kind.NEW, Kind.TEMPORARY):
        if project.primary_feeder_id is None:
            raise DomainError(
                "feeder_required",
                _("Record the primary feeder of the supply plan before energizing."),
                field="primary_feeder",
            )
        if project.supply_scheme == Scheme.HV_DUAL and project.backup_feeder_id is None:
            raise DomainError(
                "second_feeder_required",
                _("A dual-supply project needs its second feeder before energizing."),
                field="backup_feeder",
            )
    if creates:
        for field in ("segment", "tariff"):
            if not getattr(project, field):
                raise DomainError(
                    "required",
                    _("Record the segment and tariff of the new customer before energizing."),
                    field=field,
                )


def _new_capacity(project: Project, current: Decimal) -> Decimal:
    if project.kind == Kind.INCREASE:
        return current + project.requested_capacity_kva
    if project.kind == Kind.DECREASE:
        return max(Decimal("0"), current - project.requested_capacity_kva)
    if project.kind in (Kind.NEW, Kind.TEMPORARY):
        return project.requested_capacity_kva
    return current


def _contact_mobile(project: Project) -> str:
    """The contact's phone as the register keeps mobiles, or empty (a landline, or a number
    that does not parse, is not worth refusing the energization for)."""
    try:
        return normalize_mobile(project.contact_phone) if project.contact_phone else ""
    except ValidationError:
        return ""


def _create_customer(project: Project, writer: Actor) -> Customer:
    customer = customer_services.create_customer(
        acting_user=writer,
        supply_points=_supply_points(project) or [],
        manager=project.manager if writer is SYSTEM or writer != project.manager else None,
        account_no=f"{project.number}",
        name=project.applicant_name,
        credit_code=project.credit_code,
        segment=project.segment,
        tariff=project.tariff,
        voltage_kv=project.voltage_kv,
        contract_capacity_kva=project.requested_capacity_kva,
        region=project.region,
        address=project.address,
    )
    mobile = _contact_mobile(project)
    if project.contact_name and mobile:
        # The applicant's contact of the project (with a mobile, as the register wants one)
        # becomes the customer's electrical lead.
        customer_services.create_contact(
            customer=customer,
            acting_user=writer,
            name=project.contact_name,
            role=ContactRole.ELECTRICAL,
            mobile=mobile,
        )
    return customer


def _update_customer(project: Project, customer: Customer, writer: Actor) -> Customer:
    fields: dict = {}
    if project.kind == Kind.SUSPENSION:
        fields["status"] = CustomerStatus.SUSPENDED
    elif project.kind == Kind.RESUMPTION:
        fields["status"] = CustomerStatus.ACTIVE
    else:
        fields["contract_capacity_kva"] = _new_capacity(project, customer.contract_capacity_kva)
        fields["voltage_kv"] = project.voltage_kv
        if project.tariff:
            fields["tariff"] = project.tariff
    return customer_services.update_customer(
        customer,
        acting_user=writer,
        supply_points=_supply_points(project)
        if project.kind not in (Kind.SUSPENSION, Kind.RESUMPTION)
        else None,
        **fields,
    )


def apply_to_register(project: Project, *, acting_user: Actor) -> Customer:
    """Update (or create) the project's customer; the project's transaction holds it all."""
    check_ready(project)
    customer = project.customer
    writer = _writer(acting_user, customer)
    try:
        if customer is None:
            return _create_customer(project, writer)
        return _update_customer(project, customer, writer)
    except ValidationError as exc:
        # The register refused a value of the plan (a name too long, a bad code): say which.
        messages = getattr(exc, "message_dict", {"__all__": exc.messages})
        field, problems = next(iter(messages.items()))
        raise DomainError(
            "register_refused",
            _("The customer register refused the update: %(problem)s")
            % {"problem": " ".join(str(p) for p in problems)},
            field=None if field == "__all__" else field,
        ) from exc
