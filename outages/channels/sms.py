"""SMS through an HTTP gateway (settings SMS_GATEWAY_*).

The request is a JSON POST with HTTP basic authentication:
`{"to": "+8613800000000", "text": "【签名】…", "template_id": "…", "client_ref": "<key>"}`;
`client_ref` is the notice's idempotency key (also sent as the `Idempotency-Key` header), which
the provider uses to drop a message it already took. A 2xx answer is `{"id": "...", "status":
"accepted" | "delivered"}`. A message whose key the provider already took (a resend after a
worker died between sending and recording) is answered 409, or 2xx with the status
`duplicate`: the notice counts as sent, and is not retried or failed. A 5xx, a 429, a timeout
or a dropped connection is transient (retried later with backoff); any other 4xx is permanent
and recorded with the provider's reason.
"""

from __future__ import annotations

from typing import Literal

import requests
from django.conf import settings

from outages.channels import OutboundMessage, Sender, SendResult


class HttpSmsSender(Sender):
    record_every = 1

    def __init__(self) -> None:
        if not settings.SMS_GATEWAY_URL:
            raise LookupError("SMS_GATEWAY_URL is not set.")
        self.max_attempts = settings.SMS_GATEWAY_MAX_RETRIES
        self._session: requests.Session | None = None
        self._options: dict = {}

    def open(self) -> None:
        session = requests.Session()
        if settings.SMS_GATEWAY_USERNAME:
            session.auth = (settings.SMS_GATEWAY_USERNAME, settings.SMS_GATEWAY_PASSWORD)
        # The environment's proxies and CA bundle, read once per chunk rather than for every
        # message (requests reads the whole environment on each request: most of its CPU).
        self._options = session.merge_environment_settings(
            settings.SMS_GATEWAY_URL, {}, None, None, None
        )
        session.trust_env = False
        self._session = session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def send(self, message: OutboundMessage) -> SendResult:
        if self._session is None:
            self.open()
        assert self._session is not None
        signature = settings.SMS_GATEWAY_SIGNATURE
        payload = {
            "to": message.address,
            "text": f"【{signature}】{message.body}" if signature else message.body,
            "template_id": settings.SMS_GATEWAY_TEMPLATE_ID,
            "client_ref": message.idempotency_key,
        }
        try:
            response = self._session.post(
                settings.SMS_GATEWAY_URL,
                json=payload,
                headers={"Idempotency-Key": message.idempotency_key},
                timeout=settings.SMS_GATEWAY_TIMEOUT,
                **self._options,
            )
        except requests.Timeout:
            return SendResult("retry", error="SMS gateway: timed out")
        except requests.RequestException as exc:
            return SendResult("retry", error=f"SMS gateway: {exc}"[:500])
        if response.status_code >= 500 or response.status_code == 429:
            return SendResult("retry", error=_error(response))
        body = _body(response)
        status = str(body.get("status", "")).lower()
        if response.status_code == 409 or status == "duplicate":
            # The provider already has this key: the message went out before, once.
            return SendResult("sent", provider_ref=str(body.get("id", ""))[:100])
        if response.status_code >= 400:
            return SendResult("failed", error=_error(response))
        outcome: Literal["sent", "delivered"] = "delivered" if status == "delivered" else "sent"
        return SendResult(outcome, provider_ref=str(body.get("id", ""))[:100])


def _body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error(response: requests.Response) -> str:
    reason = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            reason = str(body.get("error") or body.get("message") or body.get("detail") or "")
    except ValueError:
        pass
    reason = reason or response.text.strip() or response.reason or ""
    return f"SMS gateway HTTP {response.status_code}: {reason}"[:500]
