"""Senders of outage notices, one per channel, behind one small interface.

A sender takes an `OutboundMessage` and answers a `SendResult`: `sent` or `delivered` when the
provider took it, `retry` for a transient failure (a 5xx, a timeout, a dropped connection),
`failed` for a permanent one (a 4xx, a refused address) with the reason. The batch in
`outages.notices` decides what a result does to the notification (retries with backoff, the
final failure). Which class sends which channel is the setting OUTAGE_CHANNEL_SENDERS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class OutboundMessage:
    notification_id: int
    idempotency_key: str
    channel: str
    address: str
    subject: str
    body: str


@dataclass(frozen=True)
class SendResult:
    outcome: Literal["sent", "delivered", "retry", "failed"]
    provider_ref: str = ""
    error: str = ""


class Sender:
    """Base of every sender. Subclasses implement `send`; `open`/`close` bracket a chunk."""

    # How many results the batch may keep before recording them. Senders that talk to a real
    # provider record after every message, so a worker that dies can have sent at most the one
    # message in flight without recording it; the no-op sender records per chunk.
    record_every: ClassVar[int] = 1
    max_attempts: int = 5

    def open(self) -> None:
        """Called before a chunk (e.g. to open a connection)."""

    def close(self) -> None:
        """Called after a chunk, even when it failed."""

    def send(self, message: OutboundMessage) -> SendResult:  # pragma: no cover - abstract
        raise NotImplementedError


def sender_for(channel: str) -> Sender:
    """A new sender for `channel`, of the class named in OUTAGE_CHANNEL_SENDERS."""
    try:
        path = settings.OUTAGE_CHANNEL_SENDERS[channel]
    except KeyError as exc:
        raise LookupError(f"No sender is configured for the channel {channel!r}.") from exc
    return import_string(path)()


def senders() -> dict[str, Sender]:
    return {channel: sender_for(channel) for channel in settings.OUTAGE_CHANNEL_SENDERS}
