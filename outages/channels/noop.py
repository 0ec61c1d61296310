"""A sender that takes every message and does nothing: the benchmark measures the batch itself."""

from outages.channels import OutboundMessage, Sender, SendResult


class NoopSender(Sender):
    record_every = 10_000

    def send(self, message: OutboundMessage) -> SendResult:
        return SendResult("sent")
