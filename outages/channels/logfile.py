"""The demo channel: each notice goes to the log and is appended to a file, one JSON a line.

`make run` uses it for SMS when no SMS gateway URL is set, so the demo can show batches
without sending anything (settings OUTAGE_NOTICE_LOG_FILE).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from outages.channels import OutboundMessage, Sender, SendResult

logger = logging.getLogger("outages.notices")


class LogFileSender(Sender):
    record_every = 100

    def __init__(self) -> None:
        self.path = Path(settings.OUTAGE_NOTICE_LOG_FILE)
        self._file = None

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def send(self, message: OutboundMessage) -> SendResult:
        if self._file is None:
            self.open()
        assert self._file is not None
        record = {
            "at": timezone.now().isoformat(),
            "key": message.idempotency_key,
            "channel": message.channel,
            "to": message.address,
            "subject": message.subject,
            "text": message.body,
        }
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
        logger.info(
            "outage notice %s to %s: %s", message.idempotency_key, message.address, message.body
        )
        return SendResult("sent", provider_ref=f"log:{message.notification_id}")
