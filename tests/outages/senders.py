"""Senders that stand in for providers in tests (they are outside the product)."""

import threading
from collections import Counter

from outages.channels import OutboundMessage, Sender, SendResult


class RecordingSender(Sender):
    """Takes every message and counts each idempotency key it was handed."""

    record_every = 1
    lock = threading.Lock()
    received: Counter = Counter()

    def send(self, message: OutboundMessage) -> SendResult:
        with self.lock:
            type(self).received[message.idempotency_key] += 1
        return SendResult("sent", provider_ref=f"rec-{message.notification_id}")


class RefusingSender(Sender):
    def send(self, message: OutboundMessage) -> SendResult:
        return SendResult("failed", error="number does not exist")
