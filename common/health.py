"""What the probes check: `/healthz` that the process answers, `/readyz` that it can serve —
the database, the broker, a worker that ran the heartbeat lately, a scheduler that sent it
lately, and no migration left to apply (docs/operations.md "Probes").

Plain checks rather than django-health-check: five short functions, each answering in at most a
couple of seconds, with the product's own notion of a worker and a scheduler that are alive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from common.models import ServiceBeat

HEARTBEAT_TASK = "common.tasks.record_worker_heartbeat"


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str = ""


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return Check(False, f"database unavailable: {exc.__class__.__name__}")
    return Check(True)


def check_broker() -> Check:
    from celery import current_app as app

    if app.conf.task_always_eager:
        return Check(True, "tasks run in the web process")
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
    except Exception as exc:  # any transport error means "not reachable"
        return Check(False, f"broker unreachable: {exc.__class__.__name__}")
    return Check(True)


def _age(moment: dt.datetime | None, now: dt.datetime) -> str:
    return "never" if moment is None else f"{int((now - moment).total_seconds())} s ago"


def check_worker(now: dt.datetime | None = None) -> Check:
    """A worker ran the heartbeat within READYZ_WORKER_STALE_AFTER."""
    now = now or timezone.now()
    beat = ServiceBeat.objects.filter(name="worker").values_list("at", flat=True).first()
    fresh = beat is not None and now - beat <= settings.READYZ_WORKER_STALE_AFTER
    return Check(fresh, f"last heartbeat {_age(beat, now)}")


def check_scheduler(now: dt.datetime | None = None) -> Check:
    """The scheduler sent the heartbeat within READYZ_SCHEDULER_STALE_AFTER (django-celery-beat
    records when it last sent each entry, writing it out every few minutes)."""
    from django_celery_beat.models import PeriodicTask

    now = now or timezone.now()
    sent = (
        PeriodicTask.objects.filter(task=HEARTBEAT_TASK, enabled=True)
        .values_list("last_run_at", flat=True)
        .first()
    )
    fresh = sent is not None and now - sent <= settings.READYZ_SCHEDULER_STALE_AFTER
    return Check(fresh, f"heartbeat last sent {_age(sent, now)}")


def check_migrations() -> Check:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        return Check(False, f"{len(plan)} migration(s) to apply: {names}")
    return Check(True)


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "broker": check_broker,
    "worker": check_worker,
    "scheduler": check_scheduler,
    "migrations": check_migrations,
}


def readiness() -> dict[str, Check]:
    """Every check; those after a failed database check are not run (they read it)."""
    results: dict[str, Check] = {}
    for name, check in CHECKS.items():
        if name != "database" and name != "broker" and not results["database"].ok:
            results[name] = Check(False, "not checked: the database is unavailable")
            continue
        results[name] = check()
    return results
