"""Scheduled jobs of visits. Each wraps one call; the schedule is config/celery.py's
BEAT_SCHEDULE."""

from celery import shared_task

from visits import services


@shared_task
def generate_visit_plans() -> dict:
    """Bring the visit plan up to date and raise the follow-ups of visits due (daily)."""
    return services.generate_visit_plans()
