"""The transactional outbox: background work recorded with the change that needs it.

A service calls `enqueue(task, *args)` inside its transaction instead of `task.delay_on_commit`.
The row commits (or rolls back) with the change; right after the commit it is published to
the broker, and a broker that is down only leaves the row unpublished: the request answers
normally, and the job `publish_task_outbox` (every minute, config/celery.py) publishes what is
left once the broker is back. Publishing is at-least-once — a publisher that dies between
handing a row to the broker and recording it publishes it again later — so tasks take ids and
are safe to run twice.
"""

from __future__ import annotations

import logging
import socket
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import KombuError, OperationalError

from common.models import OutboxTask

logger = logging.getLogger(__name__)

# What a broker that is down or unreachable raises (kombu wraps connection errors in
# OperationalError, a KombuError; a refused or timed-out socket may surface as OSError).
BROKER_ERRORS = (KombuError, OSError)


def _check_reachable(conn) -> None:
    """Fail fast when the broker does not answer: the client library would otherwise retry
    for seconds, and the web request that published waits for it."""
    port = conn.port or getattr(conn.transport, "default_port", None)
    if not conn.hostname or not port:
        return  # a filesystem or in-memory transport: nothing to reach
    try:
        socket.create_connection((conn.hostname, port), timeout=1).close()
    except OSError as exc:
        raise OperationalError(f"broker {conn.hostname}:{port} unreachable: {exc}") from exc


def enqueue(task, *args, **kwargs) -> OutboxTask:
    """Record `task(*args, **kwargs)` in the current transaction and publish it on commit."""
    row = OutboxTask.objects.create(task=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(partial(publish, ids=[row.pk]))
    return row


def _claimable(now):
    lease = settings.TASK_OUTBOX_CLAIM_LEASE
    return OutboxTask.objects.filter(published_at__isnull=True).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - lease)
    )


def _claim(ids: list[int], now) -> list[OutboxTask]:
    """Take the rows for this publisher; a row another one holds (or published) is skipped."""
    # One conditional UPDATE; the rows carrying this claim's moment are this publisher's (a
    # second publisher claiming in the same microsecond would only publish twice: at-least-once).
    _claimable(now).filter(pk__in=ids).update(claimed_at=now)
    return list(
        OutboxTask.objects.filter(pk__in=ids, claimed_at=now, published_at__isnull=True).order_by(
            "id"
        )
    )


def publish(*, ids: list[int] | None = None, limit: int = 200) -> int:
    """Publish unpublished rows (the given ones, or the oldest `limit`); returns how many.

    Stops at the first broker error and leaves that row and the rest for the next run.
    """
    now = timezone.now()
    if ids is None:
        ids = list(_claimable(now).order_by("id").values_list("id", flat=True)[:limit])
    rows = _claim(ids, now)
    if not rows:
        return 0
    app = current_app
    published = 0
    with app.connection_for_write() as conn:
        for index, row in enumerate(rows):
            if row.task not in app.tasks:
                app.loader.import_default_modules()  # the apps' task modules, as a worker does
            task = app.tasks.get(row.task)
            if task is None:
                logger.error("no task named %s: outbox row %s stays queued", row.task, row.pk)
                _release([row], error=f"unknown task {row.task}")
                continue
            try:
                if index == 0 and not app.conf.task_always_eager:
                    _check_reachable(conn)
                task.apply_async(row.args, row.kwargs, connection=conn, retry=False)
            except BROKER_ERRORS as exc:
                if app.conf.task_always_eager:
                    raise  # the task itself failed in-process (tests): let it be seen
                logger.warning("broker unavailable, %s stays in the outbox: %s", row, exc)
                _release(rows[index:], error=f"{type(exc).__name__}: {exc}")
                break
            OutboxTask.objects.filter(pk=row.pk).update(
                published_at=timezone.now(), claimed_at=None, attempts=row.attempts + 1
            )
            published += 1
    return published


def _release(rows: list[OutboxTask], *, error: str) -> None:
    for row in rows:
        OutboxTask.objects.filter(pk=row.pk, published_at__isnull=True).update(
            claimed_at=None, attempts=row.attempts + 1, last_error=error[:500]
        )


def drain(*, limit: int = 200) -> int:
    """Publish everything left in the outbox (until the broker fails), then forget rows
    published more than TASK_OUTBOX_KEEP ago; returns how many were published."""
    total = 0
    while True:
        before = _claimable(timezone.now()).count()
        if not before:
            break
        done = publish(limit=limit)
        total += done
        if done < min(before, limit):
            break  # the broker failed, or other publishers hold the rest
    keep = settings.TASK_OUTBOX_KEEP
    OutboxTask.objects.filter(published_at__lt=timezone.now() - keep).delete()
    return total


def waiting(task, *args) -> bool:
    """Whether `task(*args)` is in the outbox and not yet published."""
    return OutboxTask.objects.filter(
        task=task.name, args=list(args), published_at__isnull=True
    ).exists()
