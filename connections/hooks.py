"""What connection projects do when something below them changes (registered from
ConnectionsConfig.ready)."""

from __future__ import annotations

from accounts_manager.models import User
from common import outbox
from common.actors import Actor
from common.official_calendar import on_year_entered
from connections.events import record_event
from connections.models import EventKind, Project
from connections.querysets import LIVE_STATUSES
from connections.tasks import recompute_connection_due_dates
from customers.models import Customer
from customers.portfolios import on_portfolio_change


@on_year_entered
def recompute_due_dates_of_year(year: int) -> None:
    # Recorded in the transaction that enters the year (the outbox), like complaints.
    outbox.enqueue(recompute_connection_due_dates, year)


@on_portfolio_change
def move_open_projects(
    *, from_manager: User | None, to_manager: User, customer: Customer | None, acting_user: Actor
) -> None:
    """The live projects the previous manager owned move with the customer (or with the whole
    portfolio, applicants' projects included): one manager answers for each project."""
    if from_manager is None:
        return
    projects = Project.objects.filter(manager=from_manager, status__in=LIVE_STATUSES)
    if customer is not None:
        projects = projects.filter(customer=customer)
    for project in projects.select_for_update():
        project.manager = to_manager
        project.save(update_fields=["manager", "updated_at"])
        record_event(
            project,
            EventKind.UPDATED,
            actor=acting_user,
            data={"fields": ["manager"], "from": from_manager.pk, "to": to_manager.pk},
        )
