"""Listeners told when an outage starts or completes, for the apps above outages.

supply sits above outages (docs/architecture.md), so outages cannot call it: supply registers
a listener in its AppConfig.ready() (`on_outage_progress`) and records the interruption with
the outage's real start and end. Listeners run inside the service's transaction, so the
outage's change and what they record commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Callable

from outages.models import PlannedOutage

Listener = Callable[..., None]

_listeners: list[Listener] = []


def on_outage_progress(fn: Listener) -> Listener:
    """Register `fn(outage, *, action)` (a decorator); `action` is "start" or "complete".
    Registering twice is harmless."""
    if fn not in _listeners:
        _listeners.append(fn)
    return fn


def outage_progressed(outage: PlannedOutage, *, action: str) -> None:
    for listener in _listeners:
        listener(outage, action=action)
