"""What the business does with the customer register."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from common.actors import Actor, person
from common.errors import DomainError
from common.roles import Role, role_of
from customers import policy
from customers.locks import lock_customer
from customers.models import Contact, Customer, SupplyPoint
from customers.portfolios import assign_customer

IMMUTABLE_CUSTOMER_FIELDS = frozenset({"account_no", "id", "pk"})


@dataclass(frozen=True)
class SupplyPointInput:
    feeder_id: int
    is_primary: bool


def _set_history_user(instance, acting_user) -> None:
    """Name the user on the history record django-simple-history writes on save or delete."""
    instance._history_user = person(acting_user)


def _save_with_user(instance, acting_user, **save_kwargs) -> None:
    if acting_user is not None and acting_user.is_authenticated:
        _set_history_user(instance, acting_user)
    instance.save(**save_kwargs)


def check_supply_points(points: Sequence[SupplyPointInput]) -> None:
    if not points:
        return
    feeders = [p.feeder_id for p in points]
    if len(set(feeders)) != len(feeders):
        raise DomainError(
            "duplicate_feeder", _("Each feeder can be listed only once."), field="supply_points"
        )
    primaries = sum(1 for p in points if p.is_primary)
    if primaries != 1:
        raise DomainError(
            "one_primary",
            _("Exactly one supply point must be the primary supply (%(n)d given).")
            % {"n": primaries},
            field="supply_points",
        )


@transaction.atomic
def set_supply_points(
    customer: Customer, *, points: Sequence[SupplyPointInput], acting_user: Actor
) -> list[SupplyPoint]:
    """Replace the customer's supply points; exactly one of them is primary."""
    policy.check(acting_user, "update_customer")
    check_supply_points(points)
    wanted = {p.feeder_id: p.is_primary for p in points}
    existing = {
        sp.feeder_id: sp for sp in SupplyPoint.objects.select_for_update().filter(customer=customer)
    }
    for feeder_id, sp in existing.items():
        if feeder_id not in wanted:
            if acting_user is not None:
                _set_history_user(sp, acting_user)
            sp.delete()
    # Clear primaries first so the one-primary constraint holds at every step.
    for feeder_id, sp in existing.items():
        if feeder_id in wanted and sp.is_primary and not wanted[feeder_id]:
            sp.is_primary = False
            _save_with_user(sp, acting_user, update_fields=["is_primary"])
    for feeder_id, is_primary in wanted.items():
        current = existing.get(feeder_id)
        if current is None:
            _save_with_user(
                SupplyPoint(customer=customer, feeder_id=feeder_id, is_primary=is_primary),
                acting_user,
            )
        elif current.is_primary != is_primary:
            current.is_primary = is_primary
            _save_with_user(current, acting_user, update_fields=["is_primary"])
    return list(customer.supply_points.select_related("feeder"))


@transaction.atomic
def create_customer(
    *,
    acting_user: Actor,
    supply_points: Sequence[SupplyPointInput] = (),
    manager=None,
    **fields,
) -> Customer:
    """Register a customer with its supply points.

    A customer registered by an account manager is assigned to that manager; otherwise to
    `manager` when given. A supervisor or manager with a region registers in that region only.
    """
    policy.check(acting_user, "create_customer")
    region = fields.get("region")
    policy.check_region(acting_user, region.pk if region is not None else fields.get("region_id"))
    customer = Customer(**fields)
    customer.full_clean()
    _save_with_user(customer, acting_user)
    set_supply_points(customer, points=supply_points, acting_user=acting_user)
    if acting_user is not None and role_of(acting_user) == Role.ACCOUNT_MANAGER:
        # A manager's new customer is theirs; giving it to someone else is a supervisor's act.
        policy.check_own_registration(acting_user, manager)
        manager = acting_user
    if manager is not None:
        assign_customer(
            customer,
            manager=manager,
            reason=_("Registered"),
            acting_user=acting_user,
            registering=True,
        )
    return customer


@transaction.atomic
def update_customer(
    customer: Customer,
    *,
    acting_user: Actor,
    supply_points: Sequence[SupplyPointInput] | None = None,
    **fields,
) -> Customer:
    """Change a customer's profile; the account number never changes, and only a supervisor
    (into their own region) or an administrator moves it to another region."""
    policy.check(acting_user, "update_customer")
    policy.check_customer_in_scope(acting_user, customer)
    customer = lock_customer(customer)
    if "region" in fields:
        region = fields["region"]
        policy.check_region_change(acting_user, customer, region.pk if region else None)
    if "account_no" in fields and fields["account_no"] != customer.account_no:
        raise DomainError(
            "immutable", _("The account number cannot be changed."), field="account_no"
        )
    changed = []
    for name, value in fields.items():
        if name in IMMUTABLE_CUSTOMER_FIELDS:
            continue
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed.append(name)
    if changed:
        customer.full_clean()
        _save_with_user(customer, acting_user, update_fields=[*changed, "updated_at"])
    if supply_points is not None:
        set_supply_points(customer, points=supply_points, acting_user=acting_user)
    return customer


@transaction.atomic
def create_contact(*, customer: Customer, acting_user: Actor, **fields) -> Contact:
    policy.check(acting_user, "create_contact")
    policy.check_customer_in_scope(acting_user, customer)
    contact = Contact(customer=customer, **fields)
    contact.full_clean()
    _save_with_user(contact, acting_user)
    return contact


@transaction.atomic
def update_contact(contact: Contact, *, acting_user: Actor, **fields) -> Contact:
    policy.check(acting_user, "update_contact")
    policy.check_customer_in_scope(acting_user, contact.customer)
    changed = []
    for name, value in fields.items():
        if name == "customer" and value.pk != contact.customer_id:
            raise DomainError(
                "immutable", _("A contact cannot move to another customer."), field="customer"
            )
        if name != "customer" and getattr(contact, name) != value:
            setattr(contact, name, value)
            changed.append(name)
    if changed:
        contact.full_clean()
        _save_with_user(contact, acting_user, update_fields=[*set(changed), "updated_at"])
    return contact


@transaction.atomic
def delete_contact(contact: Contact, *, acting_user: Actor) -> None:
    policy.check(acting_user, "delete_contact")
    policy.check_customer_in_scope(acting_user, contact.customer)
    if acting_user is not None:
        _set_history_user(contact, acting_user)
    contact.delete()
