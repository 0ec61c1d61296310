"""The demo channel: each notice goes to the log and is appended to a file, one JSON a line.

`make run` uses it for SMS when no SMS gateway URL is set, so the demo can show batches
without sending anything (settings OUTAGE_NOTICE_LOG_FILE). Each line carries the notice's
idempotency key, and a key already in the file is not written again: a notice sent again
after its worker died between writing and recording it appears once.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.utils import timezone

from outages.channels import OutboundMessage, Sender, SendResult

logger = logging.getLogger("outages.notices")


class LogFileSender(Sender):
    # Recorded after every line, like a real provider: a worker killed mid-chunk leaves at
    # most the line in flight unrecorded (and the key check below keeps it from repeating).
    record_every = 1

    def __init__(self) -> None:
        self.path = Path(settings.OUTAGE_NOTICE_LOG_FILE)
        self._file: TextIO | None = None
        self._seen: set[str] = set()
        self._read_up_to = 0

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")
        self._read_keys()

    def _read_keys(self) -> None:
        """The keys written since the last look (by this or another worker)."""
        with self.path.open("rb") as existing:
            existing.seek(self._read_up_to)
            for line in existing:
                if not line.endswith(b"\n"):
                    break  # a line being written
                self._read_up_to += len(line)
                try:
                    self._seen.add(json.loads(line)["key"])
                except (ValueError, KeyError, TypeError):
                    continue

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def send(self, message: OutboundMessage) -> SendResult:
        if self._file is None:
            self.open()
        assert self._file is not None
        if message.idempotency_key in self._seen:
            # Written before by a worker that died before recording it: the channel has it.
            return SendResult("sent", provider_ref=f"log:{message.notification_id}")
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
        self._seen.add(message.idempotency_key)
        logger.info(
            "outage notice %s to %s: %s", message.idempotency_key, message.address, message.body
        )
        return SendResult("sent", provider_ref=f"log:{message.notification_id}")
