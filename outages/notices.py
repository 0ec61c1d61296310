"""Notice batches: plan the notifications of an outage, then claim, send and record them.

Planning inserts one row per (outage, contact, channel, kind, revision) — the idempotency
key — so planning again adds only what is missing. Workers claim due rows in chunks with a
conditional UPDATE (a row is taken only if it is still pending and unclaimed, or its claim's
lease ran out), which works on PostgreSQL and SQLite alike; on PostgreSQL the candidates are
picked with SELECT … FOR UPDATE SKIP LOCKED so workers do not queue behind each other. A worker
that dies leaves its rows claimed until the lease (OUTAGE_NOTIFY_LEASE, a minute, renewed
between messages) runs out; then another worker takes them. Results are recorded after every
message (except for the no-op sender), so a worker killed mid-chunk can have sent at most the
message in flight without recording it; that one goes out again with the same idempotency
key, which the channels drop. Nothing here runs in a web request.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, Field, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from customers.models import Assignment, Channel, Contact
from outages import services
from outages.channels import OutboundMessage, Sender, SendResult, senders
from outages.models import (
    REACHED_STATUSES,
    Notification,
    NotificationKind,
    NotificationStatus,
    OutageImpact,
    PlannedOutage,
)
from outages.texts import NoticeContext, render

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

logger = logging.getLogger(__name__)

PENDING = NotificationStatus.PENDING


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:64]


def choose_channel(preferred: str, mobile: str, email: str) -> tuple[str, str] | None:
    """The contact's preferred channel if it has the address for it, else the other one."""
    options: dict[str, str] = {Channel.SMS: mobile, Channel.EMAIL: email}
    if options.get(preferred):
        return preferred, options[preferred]
    for channel, address in options.items():
        if address:
            return channel, address
    return None


def reachable_contacts(customer_ids=None, *, outage: PlannedOutage | None = None):
    """Contacts who receive outage notices and have a mobile number or an e-mail address."""
    qs = Contact.objects.filter(receives_outage_notices=True).filter(~Q(mobile="") | ~Q(email=""))
    if outage is not None:
        qs = qs.filter(
            customer__outage_impacts__outage=outage,
            customer__outage_impacts__removed_at__isnull=True,
        )
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=list(customer_ids))
    return qs


def _insert(rows: list[Notification]) -> int:
    if not rows:
        return 0
    outage_id, kind, revision = rows[0].outage_id, rows[0].kind, rows[0].revision
    existing = Notification.objects.filter(outage_id=outage_id, kind=kind, revision=revision)
    before = existing.count()
    # 4,000 rows of 15 columns stay under PostgreSQL's limit of 65,535 parameters.
    Notification.objects.bulk_create(rows, batch_size=4000, ignore_conflicts=True)
    return existing.count() - before


def plan_notices(outage: PlannedOutage, *, customer_ids: Iterable[int] | None = None) -> int:
    """One `notice` per reachable contact of each affected customer; returns the rows added."""
    now = timezone.now()
    rows = []
    contacts = reachable_contacts(customer_ids, outage=outage).values_list(
        "id", "customer_id", "preferred_channel", "mobile", "email"
    )
    for contact_id, customer_id, preferred, mobile, email in contacts.iterator(chunk_size=2000):
        choice = choose_channel(preferred, mobile, email)
        if choice is None:
            continue
        rows.append(
            Notification(
                outage_id=outage.pk,
                customer_id=customer_id,
                contact_id=contact_id,
                channel=choice[0],
                address=choice[1],
                kind=NotificationKind.NOTICE,
                revision=0,
                created_at=now,
                next_attempt_at=now,
            )
        )
    return _insert(rows)


def plan_follow_on(
    outage: PlannedOutage,
    *,
    kind: str,
    revision: int = 0,
    customer_ids: Iterable[int] | None = None,
) -> int:
    """A change, cancellation or restoration notice to everyone who was told of the outage.

    "Everyone who was told" is each contact and channel with a notice or change notice that
    reached them (sent, delivered or confirmed).
    """
    now = timezone.now()
    told = Notification.objects.filter(
        outage=outage,
        kind__in=[NotificationKind.NOTICE, NotificationKind.CHANGE],
        status__in=REACHED_STATUSES,
    )
    if customer_ids is not None:
        told = told.filter(customer_id__in=list(customer_ids))
    seen: set[tuple[int, str]] = set()
    rows = []
    for contact_id, customer_id, channel, address in (
        told.order_by("-id")
        .values_list("contact_id", "customer_id", "channel", "address")
        .iterator(chunk_size=2000)
    ):
        if (contact_id, channel) in seen:
            continue
        seen.add((contact_id, channel))
        rows.append(
            Notification(
                outage_id=outage.pk,
                customer_id=customer_id,
                contact_id=contact_id,
                channel=channel,
                address=address,
                kind=kind,
                revision=revision,
                created_at=now,
                next_attempt_at=now,
            )
        )
    return _insert(rows)


def drop_pending(
    outage: PlannedOutage,
    *,
    kinds: Iterable[str],
    reason: str,
    customer_ids: Iterable[int] | None = None,
) -> int:
    """Give up pending notices that no longer make sense (the outage was cancelled, …)."""
    qs = Notification.objects.filter(outage=outage, status=PENDING, kind__in=list(kinds))
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=list(customer_ids))
    return qs.update(
        status=NotificationStatus.FAILED,
        last_error=reason[:500],
        claimed_by="",
        claimed_at=None,
        updated_at=timezone.now(),
    )


# --- claiming -------------------------------------------------------------------------------


def claimable(now: datetime, outage_id: int | None = None):
    lease_cutoff = now - settings.OUTAGE_NOTIFY_LEASE
    qs = Notification.objects.filter(status=PENDING, next_attempt_at__lte=now).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease_cutoff)
    )
    if outage_id is not None:
        qs = qs.filter(outage_id=outage_id)
    return qs


def claim_chunk(*, worker: str, limit: int, outage_id: int | None = None) -> list[int]:
    """Claim up to `limit` due notices for `worker`; returns the ids it now holds."""
    now = timezone.now()
    with transaction.atomic():
        candidates = claimable(now, outage_id).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # The conditional UPDATE is what makes the claim safe: a row another worker took in
        # the meantime no longer matches and is not counted.
        token = f"{worker}"[:64]
        taken = claimable(now).filter(id__in=ids).update(claimed_by=token, claimed_at=now)
    if taken == len(ids):
        return ids
    return list(
        Notification.objects.filter(
            id__in=ids, claimed_by=token, claimed_at=now, status=PENDING
        ).values_list("id", flat=True)
    )


def release_stale_claims(*, now: datetime | None = None) -> int:
    """Free the rows of workers that died holding them (their lease ran out)."""
    now = now or timezone.now()
    return Notification.objects.filter(
        status=PENDING, claimed_at__lt=now - settings.OUTAGE_NOTIFY_LEASE
    ).update(claimed_by="", claimed_at=None)


# --- sending --------------------------------------------------------------------------------


CUSTOMER_MARK, LINK_MARK = "\x00customer\x00", "\x00link\x00"


class _SendingRow(TypedDict):
    """What `send_chunk` annotates on each notification it sends."""

    impact_level: str | None
    impact_removed: bool
    manager_name: str | None
    manager_username: str | None
    manager_phone: str | None


def _texts(
    rows: Sequence[WithAnnotations[Notification, _SendingRow]],
    outages: dict[int, tuple[PlannedOutage, str]],
) -> Callable[[WithAnnotations[Notification, _SendingRow]], tuple[str, str]]:
    """A function giving each row's (subject, body). Texts differ only by kind, language,
    outage, impact and manager, so each variant is rendered once and the customer's name
    and link are filled in per row. `outages` caches each outage and its feeder names for
    the run (loaded here when missing)."""
    missing = {r.outage_id for r in rows} - set(outages)
    for o in PlannedOutage.objects.filter(pk__in=missing).prefetch_related("feeders"):
        outages[o.pk] = (o, "、".join(f"{f.name} ({f.code})" for f in o.feeders.all()))
    link = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("outages_public:confirm", args=["TOKEN"])
    link_prefix, link_suffix = link.split("TOKEN")
    rendered: dict[tuple, tuple[str, str]] = {}

    def text_for(row: WithAnnotations[Notification, _SendingRow]) -> tuple[str, str]:
        manager = (row.manager_name or row.manager_username or "", row.manager_phone or "")
        impact = None if row.impact_removed else row.impact_level
        language = row.contact.language
        outage, feeders = outages[row.outage_id]
        key = (row.kind, language, row.outage_id, impact, manager)
        if key not in rendered:
            rendered[key] = render(
                row.kind,
                NoticeContext(
                    outage=outage,
                    feeders=feeders,
                    customer_name=CUSTOMER_MARK,
                    impact=impact,
                    manager_name=manager[0],
                    manager_phone=manager[1],
                    confirm_url=LINK_MARK,
                ),
                language=language,
            )
        subject, body = rendered[key]
        url = f"{link_prefix}{row.token}{link_suffix}"
        body = body.replace(CUSTOMER_MARK, row.customer.name).replace(LINK_MARK, url)
        return subject.replace(CUSTOMER_MARK, row.customer.name), body

    return text_for


def _backoff(attempts: int):
    delay = settings.OUTAGE_NOTIFY_RETRY_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, settings.OUTAGE_NOTIFY_RETRY_MAX)


def _apply(row: Notification, result: SendResult, sender: Sender, now: datetime) -> None:
    row.attempts += 1
    row.claimed_by, row.claimed_at = "", None
    if result.outcome in ("sent", "delivered"):
        row.status = (
            NotificationStatus.DELIVERED
            if result.outcome == "delivered"
            else NotificationStatus.SENT
        )
        row.sent_at = now
        row.delivered_at = now if result.outcome == "delivered" else None
        row.provider_ref = result.provider_ref
        row.last_error = ""
    elif result.outcome == "retry" and row.attempts < sender.max_attempts:
        row.last_error = result.error
        row.next_attempt_at = now + _backoff(row.attempts)
    else:
        row.status = NotificationStatus.FAILED
        row.last_error = result.error or "failed"


def _record(rows: list[Notification], worker: str) -> None:
    """Write the results of `rows`, if `worker` still holds them.

    Rows with the same outcome are written by one UPDATE (a chunk handed to a healthy
    channel is one or two statements); the times recorded are the moment of writing.
    """
    if not rows:
        return
    now = timezone.now()
    groups: dict[tuple, list[int]] = {}
    for row in rows:
        key = (row.status, row.attempts, row.last_error, row.provider_ref)
        groups.setdefault(key, []).append(row.pk)
    for (status, attempts, last_error, provider_ref), ids in groups.items():
        values = {
            "status": status,
            "attempts": attempts,
            "last_error": last_error,
            "provider_ref": provider_ref,
            "claimed_by": "",
            "claimed_at": None,
            "updated_at": now,
        }
        if status in (NotificationStatus.SENT, NotificationStatus.DELIVERED):
            values["sent_at"] = now
        if status == NotificationStatus.DELIVERED:
            values["delivered_at"] = now
        if status == PENDING:
            values["next_attempt_at"] = now + _backoff(attempts)
        _write(ids, worker, values)


def _write(ids: list[int], worker: str, values: dict[str, object]) -> None:
    """`Notification.objects.filter(id__in=ids, claimed_by=worker, status=PENDING)
    .update(**values)` as one plain statement.

    It runs after every message a real channel sends; the ORM's building of the UPDATE costs
    several times what the database does for it, and that CPU (per message, in every worker
    process) is what would cap a batch spread over several workers on a small machine.
    """
    meta, quote = Notification._meta, connection.ops.quote_name
    assignments, params = [], []
    for name, value in values.items():
        field = meta.get_field(name)
        assert isinstance(field, Field) and field.column
        assignments.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} WHERE {quote('id')} IN "
        f"({', '.join(['%s'] * len(ids))}) AND {quote('claimed_by')} = %s "
        f"AND {quote('status')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *ids, worker, PENDING])


def _release(ids: list[int], worker: str) -> None:
    Notification.objects.filter(id__in=ids, claimed_by=worker, status=PENDING).update(
        claimed_by="", claimed_at=None
    )


@contextmanager
def _commits_without_waiting_for_disk() -> Iterator[None]:
    """On PostgreSQL, the statements inside commit without waiting for their WAL to reach the
    disk (synchronous_commit off for this connection meanwhile).

    Results are recorded one UPDATE per message; waiting for the disk at each commit (several
    milliseconds) would take longer than the CPU of sending, and cap what a worker sends. The
    record is still committed and seen by every other worker at once, so a worker that dies
    loses nothing; only a crash of the database server itself can lose the last fraction of a
    second of records, whose messages then go out again with their idempotency keys, which
    the providers drop (the same at-least-once as a worker dying mid-send).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        # A connection that cannot take this is broken and dropped; a rollback undoes the SET.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _renew_lease(ids: list[int], worker: str) -> None:
    """Keep holding the rest of a slow chunk (a gateway timing out message after message)."""
    Notification.objects.filter(id__in=ids, claimed_by=worker, status=PENDING).update(
        claimed_at=timezone.now()
    )


@dataclass
class BatchRun:
    worker: str
    chunks: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    outages: set[int] = field(default_factory=set)
    # Each outage and its feeder names, loaded once per run for the texts.
    outage_cache: dict = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


CHUNK_FIELDS = (
    "id",
    "outage_id",
    "customer_id",
    "contact_id",
    "channel",
    "address",
    "kind",
    "revision",
    "status",
    "attempts",
    "token",
    "customer__name",
    "contact__language",
)


def send_chunk(
    ids: list[int], *, worker: str, channel_senders: dict[str, Sender], run: BatchRun
) -> None:

    impact = OutageImpact.objects.filter(
        outage_id=OuterRef("outage_id"), customer_id=OuterRef("customer_id")
    )
    manager = Assignment.objects.filter(customer_id=OuterRef("customer_id"), end__isnull=True)
    rows = list(
        Notification.objects.filter(id__in=ids, claimed_by=worker, status=PENDING)
        .select_related("customer", "contact")
        .only(*CHUNK_FIELDS)
        .annotate(
            impact_level=Subquery(impact.values("impact")[:1]),
            impact_removed=Exists(impact.filter(removed_at__isnull=False)),
            manager_name=Subquery(manager.values("manager__name")[:1]),
            manager_username=Subquery(manager.values("manager__username")[:1]),
            manager_phone=Subquery(manager.values("manager__phone")[:1]),
        )
        .order_by("id")
    )
    if not rows:
        return
    text_for = _texts(rows, run.outage_cache)
    pending: list[Notification] = []
    opened: list[Sender] = []
    renewed = timezone.now()
    handled = 0
    # Only where results are written during the chunk (not once at its end, the no-op sender).
    per_message = any(s.record_every < len(rows) for s in channel_senders.values())
    with _commits_without_waiting_for_disk() if per_message else nullcontext():
        try:
            for index, row in enumerate(rows):
                sender = channel_senders.get(row.channel)
                now = timezone.now()
                if sender is None:
                    result = SendResult("failed", error=f"no sender for channel {row.channel}")
                    sender = Sender()
                else:
                    if sender not in opened:
                        sender.open()
                        opened.append(sender)
                    subject, body = text_for(row)
                    result = sender.send(
                        OutboundMessage(
                            notification_id=row.pk,
                            idempotency_key=row.idempotency_key,
                            channel=row.channel,
                            address=row.address,
                            subject=subject,
                            body=body,
                        )
                    )
                _apply(row, result, sender, now)
                run.outages.add(row.outage_id)
                if row.status in (NotificationStatus.SENT, NotificationStatus.DELIVERED):
                    run.sent += 1
                elif row.status == NotificationStatus.FAILED:
                    run.failed += 1
                else:
                    run.retried += 1
                pending.append(row)
                handled = index + 1
                if len(pending) >= sender.record_every:
                    _record(pending, worker)
                    pending = []
                # The heartbeat: measured after the send, so that a slow send counts.
                beat = timezone.now()
                if beat - renewed > settings.OUTAGE_NOTIFY_LEASE / 3:
                    _renew_lease([r.pk for r in rows[index + 1 :]], worker)
                    renewed = beat
        except BaseException:
            # Give back at once what this worker will not send (a crash it survives, a shutdown),
            # rather than let it wait for the lease; the message in flight, if any, is among them
            # and may go out again, with the same idempotency key. What was sent is recorded below.
            _release([r.pk for r in rows[handled:]], worker)
            raise
        finally:
            _record(pending, worker)
            for sender in opened:
                sender.close()


def run_batch(
    *,
    outage_id: int | None = None,
    worker: str | None = None,
    channel_senders: dict[str, Sender] | None = None,
    max_chunks: int | None = None,
) -> BatchRun:
    """Claim and send due notices chunk by chunk until none is left, then settle the outages.

    Several workers may run this at once for the same outage; each notice is taken by one.
    """
    run = BatchRun(worker=worker or worker_id())
    channel_senders = channel_senders if channel_senders is not None else senders()
    chunk_size = settings.OUTAGE_NOTIFY_CHUNK_SIZE
    while max_chunks is None or run.chunks < max_chunks:
        ids = claim_chunk(worker=run.worker, limit=chunk_size, outage_id=outage_id)
        if not ids:
            break
        run.chunks += 1
        send_chunk(ids, worker=run.worker, channel_senders=channel_senders, run=run)
    if outage_id is not None:
        run.outages.add(outage_id)

    for pk in sorted(run.outages):
        services.settle_notices(pk)
    logger.info(
        "notice batch %s: %d chunks, %d sent, %d to retry, %d failed",
        run.worker,
        run.chunks,
        run.sent,
        run.retried,
        run.failed,
    )
    return run


def due_outage_ids(now: datetime | None = None) -> list[int]:
    """Outages with notices that are due now (new, to retry, or left by a dead worker)."""
    now = now or timezone.now()
    return list(claimable(now).order_by().values_list("outage_id", flat=True).distinct())


def progress(outage: PlannedOutage) -> dict[str, dict[str, int]]:
    """Counts of the outage's notifications by kind and status (for the live progress bar)."""
    from django.db.models import Count

    result: dict[str, dict[str, int]] = {}
    for row in (
        Notification.objects.filter(outage=outage)
        .order_by()
        .values("kind", "status")
        .annotate(n=Count("id"))
    ):
        result.setdefault(row["kind"], {})[row["status"]] = row["n"]
    return result


def has_unfinished(outage: PlannedOutage, kinds: Iterable[str]) -> bool:
    return Notification.objects.filter(outage=outage, status=PENDING, kind__in=list(kinds)).exists()


def customers_without_reach(outage: PlannedOutage):
    """Active impacts whose every notice failed (none pending, none reached)."""
    notices = Notification.objects.filter(
        outage=outage, customer_id=OuterRef("customer_id"), kind=NotificationKind.NOTICE
    )
    impacts = OutageImpact.objects.filter(outage=outage, removed_at__isnull=True, reachable=True)
    return impacts.filter(
        Exists(notices.filter(status=NotificationStatus.FAILED)),
        ~Exists(notices.exclude(status=NotificationStatus.FAILED)),
    )
