"""What complaints do when something below them changes (registered from ComplaintsConfig.ready)."""

from __future__ import annotations

from accounts_manager.models import User
from common import outbox
from common.actors import Actor
from common.official_calendar import on_year_entered
from complaints.services import move_open_complaints
from complaints.tasks import recompute_provisional_deadlines
from customers.models import Customer
from customers.portfolios import on_portfolio_change


@on_year_entered
def recompute_deadlines_of_year(year: int) -> None:
    # Recorded in the transaction that enters the year (the outbox), so a broker that is down
    # delays the recomputation instead of losing it.
    outbox.enqueue(recompute_provisional_deadlines, year)


@on_portfolio_change
def move_open_tickets(
    *, from_manager: User | None, to_manager: User, customer: Customer | None, acting_user: Actor
) -> None:
    """The open tickets the previous manager held move with the customer (or portfolio)."""
    if from_manager is not None:
        move_open_complaints(
            from_user=from_manager, to_user=to_manager, acting_user=acting_user, customer=customer
        )
