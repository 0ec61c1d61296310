"""The Celery app (`celery -A config worker`) and the one beat schedule.

The schedule below is written into django-celery-beat's tables by `manage.py sync_schedules`
(run by `make run` and on deploy); administrators can then change times or pause entries in
the admin, and a later sync keeps their changes to existing entries.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A request's id goes with the tasks it queues (the signals' receivers).
import common.logs  # noqa: E402, F401

# name -> (task, schedule). Each app's tasks stay thin; the rules live in their services.
BEAT_SCHEDULE: dict[str, dict] = {
    # Tasks queued while the broker was down (common/outbox.py).
    "common-publish-task-outbox": {
        "task": "common.tasks.publish_task_outbox",
        "schedule": crontab(minute="*"),
    },
    # The readiness probe's sign that a worker runs what the scheduler sends (common/health.py).
    "common-worker-heartbeat": {
        "task": "common.tasks.record_worker_heartbeat",
        "schedule": crontab(minute="*"),
    },
    # Directory users disabled or removed in the directory lose their access, API tokens
    # included (accounts_manager.directory); nothing happens without a directory.
    "accounts-sync-directory-users": {
        "task": "accounts_manager.tasks.sync_directory_users",
        "schedule": crontab(minute="*/15"),
    },
    # 企业微信 messages to staff: retries after a wait, and those a lost task left behind.
    "accounts-manager-send-due-wecom-messages": {
        "task": "accounts_manager.tasks.send_due_wecom_messages",
        "schedule": crontab(minute="*"),
    },
    "complaints-check-deadlines": {
        "task": "complaints.tasks.check_complaint_deadlines",
        "schedule": crontab(minute="*/5"),
    },
    # Connection projects: warnings, breaches and daily escalation (working days, local dates).
    "connections-check-deadlines": {
        "task": "connections.tasks.check_connection_deadlines",
        "schedule": crontab(minute="*/15"),
    },
    "outages-resume-notifications": {
        "task": "outages.tasks.resume_outage_notifications",
        "schedule": crontab(minute="*"),
    },
    "outages-escalate-unconfirmed": {
        "task": "outages.tasks.escalate_unconfirmed_important_customers",
        "schedule": crontab(minute="*/15"),
    },
    "outages-refresh-impacts": {
        "task": "outages.tasks.refresh_upcoming_outage_impacts",
        "schedule": crontab(minute="7,22,37,52"),
    },
    # Proactive follow-ups on supply quality, after the night's dispatch and voltage imports.
    "supply-scan-quality": {
        "task": "supply.tasks.scan_supply_quality",
        "schedule": crontab(hour=6, minute=20),
    },
    "billing-check-promises": {
        "task": "billing.tasks.check_promises",
        "schedule": crontab(hour="1", minute="30"),
    },
    "billing-cancel-settled-disconnections": {
        "task": "billing.tasks.cancel_settled_disconnections",
        "schedule": crontab(minute="40"),
    },
    "billing-fold-row-counts": {
        "task": "billing.tasks.fold_row_counts",
        "schedule": crontab(minute="*/10"),
    },
    "billing-check-row-counts": {
        "task": "billing.tasks.check_row_counts",
        "schedule": crontab(hour=4, minute=10),
    },
    # The balances' overdue and aging figures roll to the new day; then the nightly check of
    # every balance against the rows (billing/reconciliation.py).
    "billing-refresh-stale-balances": {
        "task": "billing.tasks.refresh_stale_balances",
        "schedule": crontab(hour=0, minute=1),
    },
    "billing-reconcile-balances": {
        "task": "billing.tasks.reconcile_balances",
        "schedule": crontab(hour=1, minute=50),
    },
    "billing-check-reconnections": {
        "task": "billing.tasks.check_reconnections",
        "schedule": crontab(minute="*/15"),
    },
    "billing-risk-scan-nightly": {
        "task": "risk.tasks.scheduled_risk_scan",
        "schedule": crontab(hour=2, minute=30),
    },
    "billing-risk-recover-scans": {
        "task": "risk.tasks.recover_risk_scans",
        "schedule": crontab(minute="*/5"),
    },
    # Safety net of the rescoring after money changes (risk.rescoring): requests left by a
    # broker that was down. Usually there are none.
    "billing-risk-rescore-pending": {
        "task": "risk.tasks.rescore_pending",
        "schedule": crontab(minute="*"),
    },
    "billing-risk-expire-overrides": {
        "task": "risk.tasks.expire_risk_overrides",
        "schedule": crontab(minute="*"),
    },
    "dashboard-refresh-summary": {
        "task": "dashboards.tasks.refresh_dashboard_summary",
        "schedule": crontab(minute="*/10"),
    },
    "performance-snapshot-previous-month": {
        "task": "dashboards.tasks.snapshot_previous_month",
        "schedule": crontab(hour=3, minute=30),
    },
    "visits-generate-plans": {
        "task": "visits.tasks.generate_visit_plans",
        "schedule": crontab(hour=1, minute=15),
    },
}
# Deliberately not `app.conf.beat_schedule`: the DatabaseScheduler would write it over the
# times administrators set in the admin at every start. `manage.py sync_schedules` puts it in.

__all__ = ["BEAT_SCHEDULE", "app", "crontab"]
