"""Background jobs of the complaints part: thin wrappers around one service each."""

from celery import shared_task

from complaints import services, sla


@shared_task
def check_complaint_deadlines() -> dict[str, int]:
    """Warn, mark breaches and escalate (idempotent; see complaints.sla)."""
    return sla.check_deadlines()


@shared_task
def recompute_provisional_deadlines(year: int | None = None) -> int:
    """A year's official calendar was entered: recompute the provisional deadlines."""

    return services.recompute_provisional_deadlines(year=year)
