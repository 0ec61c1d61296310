"""The 企业微信 (WeCom) API client: the access token and 应用消息 (application messages).

`GET /cgi-bin/gettoken?corpid=…&corpsecret=…` answers `{"errcode": 0, "access_token": …,
"expires_in": 7200}`; the token is kept in the cache until a little before it expires, shared
by every worker, and fetched again when the API says it expired or is invalid (40014, 42001)
— once per send. `POST /cgi-bin/message/send?access_token=…` takes `{"touser": <UserID>,
"msgtype": "text" | "textcard", "agentid": …, …}` and answers `errcode`/`errmsg` (0 ok, with
`invaliduser` listing a recipient it could not reach).

A failure is a `WeComError`, transient (network, HTTP 5xx, -1 system busy, 45009/45033 rate
limits, a token that keeps being refused, a token the API would not give) or permanent (81013
no such user, any other error code: the message itself is wrong). Which one decides, in
accounts_manager.staff_messages, whether the message is tried again later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache

# System busy, API frequency and concurrency limits: worth trying again later.
TRANSIENT_CODES = frozenset({-1, 45009, 45033})
# The access token expired, is invalid or missing: fetch a new one and try once more.
TOKEN_CODES = frozenset({40014, 42001, 41001})
# Tokens are kept this much shorter than the API says, so none is used as it expires.
TOKEN_MARGIN = 300


class WeComError(Exception):
    def __init__(self, message: str, *, transient: bool, errcode: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.errcode = errcode


@dataclass(frozen=True)
class WeComConfig:
    corp_id: str
    secret: str
    agent_id: int
    api_base: str
    timeout: float


def configured() -> WeComConfig | None:
    """The channel's settings, or None when the channel is off (any of them empty)."""
    if not (settings.WECOM_CORP_ID and settings.WECOM_SECRET and settings.WECOM_AGENT_ID):
        return None
    return WeComConfig(
        corp_id=settings.WECOM_CORP_ID,
        secret=settings.WECOM_SECRET,
        agent_id=int(settings.WECOM_AGENT_ID),
        api_base=(settings.WECOM_API_BASE or "https://qyapi.weixin.qq.com").rstrip("/"),
        timeout=settings.WECOM_TIMEOUT,
    )


def clip_bytes(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8 (the API counts bytes), on a character."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


class WeComClient:
    def __init__(self, config: WeComConfig) -> None:
        self.config = config
        self.session = requests.Session()

    @property
    def _token_cache_key(self) -> str:
        # The secret is part of the key (hashed), so a new secret never uses an old token.
        c = self.config
        digest = hashlib.sha256(f"{c.api_base}|{c.corp_id}|{c.secret}".encode()).hexdigest()
        return f"wecom:token:{digest[:24]}"

    def access_token(self, *, refresh: bool = False) -> str:
        if not refresh:
            token = cache.get(self._token_cache_key)
            if token:
                return token
        body = self._call(
            "GET",
            "/cgi-bin/gettoken",
            params={"corpid": self.config.corp_id, "corpsecret": self.config.secret},
        )
        errcode = _errcode(body)
        if errcode != 0 or not body.get("access_token"):
            # A wrong corp id or secret (40013, 40001) is for an operator to fix, not the
            # message's fault: the message waits and is tried again.
            raise WeComError(f"gettoken: {_describe(body)}", transient=True, errcode=errcode)
        expires_in = int(body.get("expires_in") or 7200)
        cache.set(self._token_cache_key, body["access_token"], max(expires_in - TOKEN_MARGIN, 60))
        return body["access_token"]

    def send(self, payload: dict) -> dict:
        """Send one 应用消息 (`agentid` is added); returns the API's answer when accepted."""
        payload = {**payload, "agentid": self.config.agent_id}
        token = self.access_token()
        for refreshed in (False, True):
            body = self._call(
                "POST", "/cgi-bin/message/send", params={"access_token": token}, json=payload
            )
            errcode = _errcode(body)
            if errcode in TOKEN_CODES and not refreshed:
                cache.delete(self._token_cache_key)
                token = self.access_token(refresh=True)
                continue
            break
        if errcode == 0:
            if body.get("invaliduser"):
                raise WeComError(
                    f"message/send: recipient not reachable: {body['invaliduser']}",
                    transient=False,
                )
            return body
        transient = errcode in TRANSIENT_CODES or errcode in TOKEN_CODES
        raise WeComError(f"message/send: {_describe(body)}", transient=transient, errcode=errcode)

    def _call(self, method: str, path: str, **kwargs) -> dict:
        url = self.config.api_base + path
        try:
            response = self.session.request(method, url, timeout=self.config.timeout, **kwargs)
        except requests.RequestException as exc:
            raise WeComError(f"{path}: {type(exc).__name__}: {exc}"[:500], transient=True) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise WeComError(f"{path}: HTTP {response.status_code}", transient=True)
        try:
            body = response.json()
        except ValueError as exc:
            # A proxy's error page or a wrong API base: not the message's fault.
            raise WeComError(
                f"{path}: HTTP {response.status_code}, not JSON", transient=True
            ) from exc
        if not isinstance(body, dict):
            raise WeComError(f"{path}: unexpected answer", transient=False)
        return body

    def close(self) -> None:
        self.session.close()


def _errcode(body: dict) -> int:
    try:
        return int(body.get("errcode", 0))
    except (TypeError, ValueError):
        return -1


def _describe(body: dict) -> str:
    return f"errcode {body.get('errcode')}: {body.get('errmsg', '')}"[:400]
