"""Scheduled jobs of the dashboard and managers' performance. Each wraps one call; the
schedule is config/celery.py's BEAT_SCHEDULE.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from common import moments
from common.actors import SYSTEM
from common.moments import period_label
from dashboards import performance, summaries


@shared_task
def refresh_dashboard_summary(period: str | None = None) -> str:
    """Recompute the money figures of a month (default: the current month, and the previous
    one while its late payments may still come in)."""
    today = timezone.localdate()
    if period:
        periods = [moments.parse_month(period, today=today)]
    else:
        current = moments.current_period(today)
        periods = [current]
        if today.day <= settings.DASHBOARD_SETTLE_DAYS:
            periods.append(moments.shift_months(current, -1))
    for month in periods:
        summaries.refresh_portfolio_summary(month, today=today)
    return ", ".join(period_label(p) for p in periods)


@shared_task
def snapshot_previous_month() -> int:
    """Take the previous month's performance snapshots once it has settled (daily; a no-op
    once they are taken)."""
    today = timezone.localdate()
    if today.day <= settings.DASHBOARD_SETTLE_DAYS:
        return 0
    previous = moments.shift_months(moments.current_period(today), -1)
    return performance.snapshot_performance(previous, acting_user=SYSTEM, today=today)
