"""E-mail through Django's e-mail backends (SMTP in production, locmem in tests)."""

from __future__ import annotations

import contextlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from outages.channels import OutboundMessage, Sender, SendResult


class EmailSender(Sender):
    record_every = 1

    def __init__(self) -> None:
        self._connection: BaseEmailBackend | None = None

    def open(self) -> None:
        self._connection = get_connection(fail_silently=False)

    def close(self) -> None:
        if self._connection is not None:
            # The server may have gone away: then there is nothing left to close.
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._connection.close()
            self._connection = None

    def _reset(self) -> None:
        # A failed SMTP exchange can leave the connection unusable: start the next one afresh.
        self.close()
        self.open()

    def send(self, message: OutboundMessage) -> SendResult:
        if self._connection is None:
            self.open()
        host = settings.PUBLIC_BASE_URL.split("//")[-1].split("/")[0].split(":")[0] or "localhost"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            connection=self._connection,
            # A stable Message-ID lets receiving systems drop a copy sent again after a crash.
            headers={
                "Message-ID": f"<{message.idempotency_key}@{host}>",
                "X-Idempotency-Key": message.idempotency_key,
            },
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()), (550, b""))
            return _by_code(code, reason)
        except smtplib.SMTPResponseException as exc:
            self._reset()
            return _by_code(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:  # timeouts are OSErrors
            self._reset()
            return SendResult("retry", error=f"SMTP: {exc}"[:500])
        return SendResult("sent")


def _by_code(code: int, reason) -> SendResult:
    text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    error = f"SMTP {code}: {text}"[:500]
    # 4xx is a temporary refusal (try again later), 5xx a permanent one.
    return SendResult("retry" if 400 <= code < 500 else "failed", error=error)
