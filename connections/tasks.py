"""Background jobs of the connections part: thin wrappers around one service each."""

from celery import shared_task

from connections import runs, sla


@shared_task
def check_connection_deadlines() -> dict[str, int]:
    """Warn, mark breaches and escalate (idempotent; see connections.sla)."""
    return sla.check_deadlines()


@shared_task
def recompute_connection_due_dates(year: int) -> int:
    """A year's official calendar was entered: the running steps' due dates follow it."""
    return runs.recompute_due_dates(year=year)
