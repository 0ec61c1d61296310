"""Background jobs of the connections part: thin wrappers around one service each."""

from celery import shared_task

from connections import sla


@shared_task
def check_connection_deadlines() -> dict[str, int]:
    """Warn, mark breaches and escalate (idempotent; see connections.sla)."""
    return sla.check_deadlines()
