"""企业微信 应用消息 to staff: recorded with the event, sent by a task after the commit.

`queue_wecom_message` is called by `notify_user` and `raise_followup` (inside the caller's
transaction, often a web request): it only records a `WeComMessage` — once per recipient and
key — when the channel is on, the user has a WeCom UserID and wants that category, and queues
`send_wecom_message` through the task outbox (common/outbox.py: published after the commit, or
once a broker that was down is back). The task claims the row with a conditional UPDATE (two
workers never send the same message), sends it through accounts_manager.wecom and records the
outcome: sent; a transient error waits `WECOM_RETRY_BASE * 2**(n-1)` (capped) before the next
attempt, and the minute job `send_due_wecom_messages` picks it up then — and also any message
whose task was lost (a worker that died); after `WECOM_MAX_ATTEMPTS` attempts, or at once for
a permanent error, the message is failed with the reason.
"""

from __future__ import annotations

import datetime as dt
import html
import logging

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import pgettext

from accounts_manager import tasks, wecom
from accounts_manager.models import User, WeComMessage, WeComMessageStatus, WeComPreference
from common import outbox

logger = logging.getLogger(__name__)


# --- preferences -----------------------------------------------------------------------------


def wecom_preference(user: User) -> WeComPreference:
    """The user's choices; an unsaved row with the defaults when they never chose."""
    try:
        return WeComPreference.objects.get(user=user)
    except WeComPreference.DoesNotExist:
        return WeComPreference(user=user)


def set_wecom_preference(user: User, *, choices: dict[str, bool]) -> WeComPreference:
    """Save which categories of notices `user` also receives on 企业微信."""
    fields = set(WeComPreference.FIELD_OF.values())
    unknown = set(choices) - fields
    if unknown:
        raise TypeError(f"unknown categories: {sorted(unknown)}")
    preference, _created = WeComPreference.objects.update_or_create(
        user=user, defaults={name: bool(value) for name, value in choices.items()}
    )
    return preference


# --- recording -------------------------------------------------------------------------------


def queue_wecom_message(
    recipient: User,
    *,
    key: str,
    category: str,
    title: str,
    body: str = "",
    link: str = "",
    unless_sent: str = "",
) -> WeComMessage | None:
    """Record a message for `recipient` about the event `key`, sent after the commit.

    Nothing is recorded when the channel is off, the user is inactive or has no WeCom UserID,
    or does not want this category; raising the same key again records nothing more, and
    neither does one whose event already has a message under the key `unless_sent`.
    """
    if wecom.configured() is None or not recipient.is_active or not recipient.wecom_userid:
        return None
    if not wecom_preference(recipient).wants(category):
        return None
    if unless_sent and WeComMessage.objects.filter(recipient=recipient, key=unless_sent).exists():
        return None
    message, created = WeComMessage.objects.get_or_create(
        recipient=recipient,
        key=key[:170],
        defaults={"category": category, "title": title[:200], "body": body, "link": link[:300]},
    )
    if created:
        _dispatch(message.pk)
    return message


def _dispatch(message_id: int) -> None:
    """Queue the sending task in the outbox: published on commit, or once the broker is back
    (and the minute job sends any pending message anyway)."""
    outbox.enqueue(tasks.send_wecom_message, message_id)


# --- sending ---------------------------------------------------------------------------------


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt."""
    base: dt.timedelta = settings.WECOM_RETRY_BASE
    return min(base * 2 ** max(attempts - 1, 0), settings.WECOM_RETRY_MAX)


def _claim(message_id: int, now: dt.datetime) -> WeComMessage | None:
    lease = now - settings.WECOM_CLAIM_LEASE
    claimed = (
        WeComMessage.objects.filter(
            pk=message_id, status=WeComMessageStatus.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease))
        .update(claimed_at=now)
    )
    if claimed != 1:
        return None  # sent, failed, not due yet, or another worker holds it
    return WeComMessage.objects.select_related("recipient").get(pk=message_id)


def send_message(message_id: int, *, now: dt.datetime | None = None) -> str:
    """Make one attempt at sending the message; returns what became of it.

    `sent`, `retry` (a transient error; the next attempt is scheduled), `failed`, `deferred`
    (the recipient had WECOM_PER_USER_PER_MINUTE messages in the last minute: it waits a
    minute, no attempt counted), or `skipped` (the channel is off, or the message is not due
    or is another worker's).
    """
    config = wecom.configured()
    if config is None:
        return "skipped"
    now = now or timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return "skipped"
    mine = WeComMessage.objects.filter(pk=message.pk, claimed_at=now)
    userid = message.recipient.wecom_userid
    if not userid or not message.recipient.is_active:
        mine.update(
            status=WeComMessageStatus.FAILED,
            claimed_at=None,
            last_error="recipient has no WeCom UserID or is inactive",
            updated_at=now,
        )
        return "failed"
    if _sent_last_minute(message.recipient_id, now) >= settings.WECOM_PER_USER_PER_MINUTE:
        # WeCom silently drops what goes over 30 messages a minute to one member (a nightly
        # scan raising many follow-ups at once): the rest wait for the next minute.
        mine.update(claimed_at=None, next_attempt_at=now + dt.timedelta(minutes=1), updated_at=now)
        return "deferred"
    client = wecom.WeComClient(config)
    try:
        answer = client.send(message_payload(message, userid=userid))
    except wecom.WeComError as exc:
        return _record_failure(message, mine, exc, now=now)
    finally:
        client.close()
    mine.update(
        status=WeComMessageStatus.SENT,
        sent_at=now,
        attempts=F("attempts") + 1,
        claimed_at=None,
        msgid=str(answer.get("msgid", ""))[:100],
        last_error="",
        updated_at=timezone.now(),
    )
    return "sent"


def _sent_last_minute(recipient_id: int, now: dt.datetime) -> int:
    return WeComMessage.objects.filter(
        recipient_id=recipient_id,
        status=WeComMessageStatus.SENT,
        sent_at__gt=now - dt.timedelta(minutes=1),
        sent_at__lte=now,
    ).count()


def _record_failure(message: WeComMessage, mine, exc: wecom.WeComError, *, now) -> str:
    attempts = message.attempts + 1
    error = str(exc)[:500]
    if exc.transient and attempts < settings.WECOM_MAX_ATTEMPTS:
        mine.update(
            attempts=attempts,
            claimed_at=None,
            next_attempt_at=now + retry_delay(attempts),
            last_error=error,
            updated_at=now,
        )
        logger.info("WeCom message %s: attempt %d failed, retried: %s", message.pk, attempts, error)
        return "retry"
    mine.update(
        status=WeComMessageStatus.FAILED,
        attempts=attempts,
        claimed_at=None,
        last_error=error,
        updated_at=now,
    )
    logger.warning("WeCom message %s failed after %d attempts: %s", message.pk, attempts, error)
    return "failed"


def message_payload(message: WeComMessage, *, userid: str) -> dict:
    """The API's request body: a text card linking to the page when there is a link."""
    payload: dict = {
        "touser": userid,
        # A resend after a worker died between sending and recording is dropped by WeCom
        # (same request body within the interval).
        "enable_duplicate_check": 1,
        "duplicate_check_interval": 1800,
    }
    if message.link:
        base = settings.PUBLIC_BASE_URL.rstrip("/")
        url = message.link if message.link.startswith("http") else base + message.link
        payload["msgtype"] = "textcard"
        payload["textcard"] = {
            "title": wecom.clip_bytes(message.title, 128),
            "description": wecom.clip_bytes(html.escape(message.body or message.title), 512),
            "url": url,
            "btntxt": wecom.clip_bytes(pgettext("WeCom card button", "Details"), 12),
        }
    else:
        content = f"{message.title}\n{message.body}".strip()
        payload["msgtype"] = "text"
        payload["text"] = {"content": wecom.clip_bytes(content, 2048)}
    return payload


def due_message_ids(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Pending messages whose time has come and that no live worker holds."""
    now = now or timezone.now()
    lease = now - settings.WECOM_CLAIM_LEASE
    return list(
        WeComMessage.objects.filter(status=WeComMessageStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def send_due_messages(*, now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send the due messages one by one (the minute job); counts of the outcomes."""
    outcomes: dict[str, int] = {}
    if wecom.configured() is None:
        return outcomes
    for message_id in due_message_ids(now=now, limit=limit):
        outcome = send_message(message_id, now=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def retry_failed_messages(message_ids: list[int]) -> int:
    """Give failed messages a new round of attempts (an administrator fixed the cause)."""
    now = timezone.now()
    ids = list(
        WeComMessage.objects.filter(
            pk__in=message_ids, status=WeComMessageStatus.FAILED
        ).values_list("pk", flat=True)
    )
    WeComMessage.objects.filter(pk__in=ids, status=WeComMessageStatus.FAILED).update(
        status=WeComMessageStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now
    )
    for message_id in ids:
        _dispatch(message_id)
    return len(ids)


# --- status ----------------------------------------------------------------------------------


def channel_status(*, now: dt.datetime | None = None, hours: int = 24) -> dict:
    """Whether the channel is configured, and the messages of the last `hours` by status."""
    now = now or timezone.now()
    since = now - dt.timedelta(hours=hours)
    counts = WeComMessage.objects.aggregate(
        sent=Count("pk", filter=Q(status=WeComMessageStatus.SENT, updated_at__gte=since)),
        failed=Count("pk", filter=Q(status=WeComMessageStatus.FAILED, updated_at__gte=since)),
        pending=Count("pk", filter=Q(status=WeComMessageStatus.PENDING)),
    )
    config = wecom.configured()
    return {
        "configured": config is not None,
        "corp_id": config.corp_id if config else "",
        "agent_id": config.agent_id if config else None,
        "api_base": config.api_base if config else "",
        "hours": hours,
        "users_with_userid": User.objects.filter(is_active=True).exclude(wecom_userid="").count(),
        **counts,
    }
