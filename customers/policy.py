"""Who may change the customer register: one table of role × action, checked by
customers.services, so the pages, the API, the admin and the commands refuse the same things.

Which customers a user sees (and so may change at all) is `Customer.objects.visible_to(user)`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from common.actors import is_system
from common.errors import DomainError
from common.policy import Policy
from common.roles import Role, role_of
from customers.models import Customer
from grid.models import Region

# The integration clients push bills, payments and complaints (SPEC "Who uses it"): they read
# the register but do not change it.
WRITERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER})
# People read the register's pages; integration clients read it through the API.
READERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER, Role.AUDITOR})
SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})

POLICY = Policy(
    {
        "view": READERS,
        "create_customer": WRITERS,
        "update_customer": WRITERS,
        # Moving a customer to another region moves it out of (or into) a supervisor's
        # oversight.
        "change_region": SUPERVISORS,
        "create_contact": WRITERS,
        "update_contact": WRITERS,
        "delete_contact": WRITERS,
        # Giving a customer to a manager is a supervisor's act (the integration clients do
        # not: SPEC "Who uses it"). A manager gets the customers they register.
        "assign_customer": SUPERVISORS,
        "handover_portfolio": SUPERVISORS,
    }
)
may = POLICY.allows
check = POLICY.check


def check_customer_in_scope(user, customer: Customer) -> None:
    """A write on a customer outside the user's scope is refused. (Pages and API look the
    customer up with `visible_to` and answer 404 first; this guards every other caller.)"""
    if is_system(user) or customer.pk is None:
        return
    if not Customer.objects.visible_to(user).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer is outside your portfolio or region."))


def check_on_customer(policy: Policy, user, customer: Customer, action: str) -> None:
    """`policy.check(user, action)`, and the customer must be within the user's scope."""
    policy.check(user, action)
    check_customer_in_scope(user, customer)


def regions_for(user):
    """The regions a user may file a customer under: a supervisor's or manager's own region,
    every region for the others (and for those without a region)."""
    regions = Region.objects.all()
    role = role_of(user)
    if role in (Role.SUPERVISOR, Role.ACCOUNT_MANAGER) and user.region_id:
        regions = regions.filter(pk=user.region_id)
    return regions


def check_region(user, region_id: int | None) -> None:
    """400 on `region` unless `user` may file a customer under it."""
    if is_system(user) or region_id is None:
        return
    if not regions_for(user).filter(pk=region_id).exists():
        raise DomainError(
            "region_outside_scope",
            _("You can only register customers of your own region."),
            field="region",
        )


def check_region_change(user, customer: Customer, region_id: int | None) -> None:
    """Changing a customer's region is a supervisor's act (into their own region) or an
    administrator's; an account manager is refused with a message on `region`."""
    if is_system(user) or region_id == customer.region_id:
        return
    if not may(user, "change_region"):
        raise DomainError(
            "region_change_not_allowed",
            _("Only a supervisor or an administrator can move a customer to another region."),
            field="region",
        )
    check_region(user, region_id)


def check_own_registration(user, manager) -> None:
    """An account manager registers customers for themselves only."""
    if manager is not None and manager.pk != user.pk:
        raise DomainError(
            "assign_not_allowed",
            _("An account manager registers customers for themselves only."),
            field="manager",
        )
