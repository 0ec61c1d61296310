"""Scheduled jobs of the dashboard, managers' performance and visits. Each wraps one call.

Found by `app.autodiscover_tasks(related_name="dashboard_tasks")` in config/celery.py; the
schedule is there (BEAT_SCHEDULE).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts_manager import performance, visits
from common.moments import period_label


@shared_task
def refresh_dashboard_summary(period: str | None = None) -> str:
    """Recompute the money figures of a month (default: the current month, and the previous
    one while its late payments may still come in)."""
    today = timezone.localdate()
    if period:
        periods = [performance.parse_period(period, today=today)]
    else:
        current = performance.current_period(today)
        periods = [current]
        if today.day <= settings.DASHBOARD_SETTLE_DAYS:
            periods.append(performance.shift_months(current, -1))
    for month in periods:
        performance.refresh_portfolio_summary(month, today=today)
    return ", ".join(period_label(p) for p in periods)


@shared_task
def snapshot_previous_month() -> int:
    """Take the previous month's performance snapshots once it has settled (daily; a no-op
    once they are taken)."""
    today = timezone.localdate()
    if today.day <= settings.DASHBOARD_SETTLE_DAYS:
        return 0
    previous = performance.shift_months(performance.current_period(today), -1)
    return performance.snapshot_performance(previous, today=today)


@shared_task
def generate_visit_plans() -> dict:
    """Bring the visit plan up to date and raise the follow-ups of visits due (daily)."""
    return visits.generate_visit_plans()
