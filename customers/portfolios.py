"""Portfolios: which account manager a customer has (`Assignment`), giving a customer to a
manager and handing a whole portfolio over.

What follows a customer to its new manager (open follow-ups, open complaint tickets) belongs to
the apps above; they register a hook with `on_portfolio_change`, called in the same
transaction, so a refused or failed move leaves nothing half-moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.actors import Actor, person
from common.errors import DomainError
from common.moments import check_date
from common.roles import Role, role_of, sees_everything
from customers import policy
from customers.locks import lock_customers
from customers.models import Assignment, Customer

if TYPE_CHECKING:
    from accounts_manager.models import User


class PortfolioHook(Protocol):
    def __call__(
        self,
        *,
        from_manager: User | None,
        to_manager: User,
        customer: Customer | None,
        acting_user: Actor,
    ) -> None: ...


_PORTFOLIO_HOOKS: list[Callable[..., None]] = []


def on_portfolio_change(hook: PortfolioHook) -> PortfolioHook:
    """Register `hook(from_manager=, to_manager=, customer=, acting_user=)`, called when one
    customer (`customer`) or the whole portfolio of `from_manager` (`customer=None`) moves to
    `to_manager`, inside the move's transaction. `from_manager` is None for a first
    assignment."""
    if hook not in _PORTFOLIO_HOOKS:
        _PORTFOLIO_HOOKS.append(hook)
    return hook


def _check_manager(manager: User) -> None:
    if not manager.is_active or role_of(manager) != Role.ACCOUNT_MANAGER:
        raise DomainError(
            "not_a_manager",
            _("%(user)s is not an active account manager.") % {"user": manager},
            field="manager",
        )


def current_assignment(customer) -> Assignment | None:
    return Assignment.objects.open().filter(customer=customer).first()


@transaction.atomic
def assign_customer(
    customer,
    *,
    manager: User,
    start: dt.date | None = None,
    reason: str = "",
    acting_user: Actor,
    registering: bool = False,
) -> Assignment:
    """Give `customer` to `manager` from `start` (a supervisor's or administrator's act;
    `registering` is customers.services.create_customer giving a new customer to its manager).

    The open assignment, if any, ends the day before `start`; the customer's open follow-ups,
    and its open complaint tickets the previous manager held, move to the new manager. The
    customer row is locked so two reassignments serialise.
    """
    start = start or timezone.localdate()
    check_date(start, field="start", kind="planned")
    _check_manager(manager)
    if not registering:
        policy.check(acting_user, "assign_customer")
    lock_customers([customer.pk])
    current = Assignment.objects.select_for_update().open().filter(customer=customer).first()
    if current is not None:
        if current.manager_id == manager.pk:
            raise DomainError(
                "already_assigned",
                _("The customer is already assigned to %(manager)s.") % {"manager": manager},
                field="manager",
            )
        if start <= current.start:
            raise DomainError(
                "start_too_early",
                _(
                    "The new assignment must start after the current one (which started on "
                    "%(date)s)."
                )
                % {"date": current.start.isoformat()},
                field="start",
            )
        current.end = start - dt.timedelta(days=1)
        current.save(update_fields=["end", "updated_at"])
    assignment = Assignment.objects.create(
        customer=customer,
        manager=manager,
        start=start,
        reason=reason,
        created_by=person(acting_user),
    )
    for hook in _PORTFOLIO_HOOKS:
        hook(
            from_manager=current.manager if current is not None else None,
            to_manager=manager,
            customer=customer,
            acting_user=acting_user,
        )
    return assignment


@transaction.atomic
def handover_portfolio(
    from_manager: User,
    *,
    to_manager: User,
    effective: dt.date | None = None,
    reason: str = "",
    acting_user: Actor,
) -> int:
    """Move every open assignment, open follow-up and open complaint ticket of
    `from_manager` to `to_manager` in one step.

    Returns the number of customers moved. All or nothing.
    """
    policy.check(acting_user, "handover_portfolio")
    effective = effective or timezone.localdate()
    check_date(effective, field="effective", kind="planned")
    if from_manager.pk == to_manager.pk:
        raise DomainError("same_manager", _("Choose another manager to hand over to."), field="to")
    _check_manager(to_manager)
    # Lock the portfolio's customers (in id order, as assign_customer does) and then their open
    # assignments, so a concurrent reassignment of one of them waits for us, or we for it.
    portfolio = Assignment.objects.open().filter(manager=from_manager)
    locked = set(lock_customers(portfolio.values_list("customer_id", flat=True)))
    current = list(portfolio.select_for_update().order_by("pk"))
    # A customer given to from_manager between the read and the lock: lock it too (rare).
    lock_customers({a.customer_id for a in current} - locked)
    too_recent = [a for a in current if a.start >= effective]
    if too_recent:
        raise DomainError(
            "start_too_early",
            _("%(n)d assignments start on or after %(date)s; choose a later effective date.")
            % {"n": len(too_recent), "date": effective.isoformat()},
            field="effective",
        )
    end = effective - dt.timedelta(days=1)
    reason = reason or _("Portfolio handover from %(from)s") % {"from": from_manager}
    Assignment.objects.filter(pk__in=[a.pk for a in current]).update(
        end=end, updated_at=timezone.now()
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                customer_id=a.customer_id,
                manager=to_manager,
                start=effective,
                reason=reason,
                created_by=person(acting_user),
            )
            for a in current
        ]
    )
    for hook in _PORTFOLIO_HOOKS:
        hook(
            from_manager=from_manager, to_manager=to_manager, customer=None, acting_user=acting_user
        )
    return len(current)


# --- who sees which managers ------------------------------------------------------------------


def managers_queryset():
    """The account managers (users holding the role)."""
    return get_user_model().objects.filter(groups__name=Role.ACCOUNT_MANAGER)


def visible_managers(user):
    """Account managers `user` may see: all for oversight roles, a region for a supervisor,
    oneself for a manager."""
    qs = managers_queryset()
    if sees_everything(user):
        return qs
    role = role_of(user)
    if role is None:
        return qs.none()
    if role == Role.SUPERVISOR:
        return qs.filter(Q(region_id=user.region_id) | Q(supervisor_id=user.pk))
    if role == Role.ACCOUNT_MANAGER:
        return qs.filter(pk=user.pk)
    return qs.none()


def with_customer_count(qs):
    return qs.annotate(customer_count=Count("assignments", filter=Q(assignments__end__isnull=True)))
