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

    The ids of one transaction gather in one batch with one on_commit callback, found again
    by its place in the connection's list of commit callbacks: a commit or rollback (a
    savepoint's too) empties or replaces that list, so a change rolled back never reaches a
    later transaction's batch, and a batch already told is not added to."""
    ids = {int(pk) for pk in customer_ids if pk is not None}
    if not ids or not _listeners:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _tell(ids)
        return
    pending = connection.run_on_commit
    state = getattr(_local, "state", None)
    if state is not None:
        place, registered, gathering = state
        if place < len(pending) and pending[place][1] is registered and not registered.told:
            gathering.update(ids)
            return
    batch = set(ids)
    callback = _Callback(batch)
    transaction.on_commit(callback)
    _local.state = (len(connection.run_on_commit) - 1, callback, batch)


class _Callback:
    """Tells the listeners of one batch, once."""

    def __init__(self, batch: set[int]) -> None:
        self.batch = batch
        self.told = False

    def __call__(self) -> None:
        self.told = True
        _tell(self.batch)


def _tell(batch: set[int]) -> None:
    ids = sorted(batch)
    batch.clear()
    if not ids:
        return
    for listener in list(_listeners):
        try:
            listener(ids)
        except Exception:  # a listener must not fail the writer, whose change is committed
            logger.exception("money change listener %r failed for %d customers", listener, len(ids))
