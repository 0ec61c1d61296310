"""A customer's open follow-ups move with it to its new manager (customers.portfolios)."""

from __future__ import annotations

from django.utils import timezone

from accounts_manager.models import FollowUp, User
from common.actors import Actor
from customers.models import Customer
from customers.portfolios import on_portfolio_change


@on_portfolio_change
def move_open_followups(
    *, from_manager: User | None, to_manager: User, customer: Customer | None, acting_user: Actor
) -> None:
    followups = FollowUp.objects.open()
    if customer is not None:
        followups = followups.filter(customer=customer).exclude(manager=to_manager)
    else:
        followups = followups.filter(manager=from_manager)
    followups.update(manager=to_manager, updated_at=timezone.now())
