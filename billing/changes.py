"""Money changes, for the apps above billing: a registry of listeners told, after the commit,
which customers' money changed (a payment, a reversal, a bill, a write-off, a promise or a
disconnection).

billing sits below risk (docs/architecture.md), so it cannot call risk itself: risk registers
a listener in its AppConfig.ready() (`on_money_change`), and every billing write path calls
`money_changed(customer_ids)` once, inside its transaction. The listeners run once the
outermost transaction commits (never for a rolled-back change), with the customer ids of every
call made in that transaction at once: an import of 200,000 payments tells them once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from django.db import transaction

logger = logging.getLogger(__name__)

Listener = Callable[[list[int]], None]

_listeners: list[Listener] = []
_local = threading.local()


def on_money_change(fn: Listener) -> Listener:
    """Register `fn(customer_ids)` (a decorator); registering twice is harmless."""
    if fn not in _listeners:
        _listeners.append(fn)
    return fn


def money_changed(customer_ids: Iterable[int]) -> None:
    """The money of these customers changed in the current transaction: tell the listeners
    once it commits (at once outside a transaction).

    The ids of a transaction gather in one batch; each call registers a flush with
    on_commit, and the first flush to run takes the whole batch (the others find it empty).
    A batch left by a rolled-back transaction is told with the next one: an extra rescoring,
    never a missing one."""
    ids = {int(pk) for pk in customer_ids if pk is not None}
    if not ids or not _listeners:
        return
    batch: set[int] | None = getattr(_local, "batch", None)
    if batch is None:
        batch = _local.batch = set()
    batch.update(ids)
    transaction.on_commit(_flush)


def _flush() -> None:
    batch: set[int] | None = getattr(_local, "batch", None)
    _local.batch = None
    if not batch:
        return
    ids = sorted(batch)
    for listener in list(_listeners):
        try:
            listener(ids)
        except Exception:  # a listener must not fail the writer, whose change is committed
            logger.exception("money change listener %r failed for %d customers", listener, len(ids))
