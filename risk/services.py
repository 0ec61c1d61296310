"""The arrears-risk scan: the set-based scan, publishing its results, and manual overrides
(the rules are in risk.rules).

How a scan runs (see docs/risk.md):

1. `request_risk_scan` queues a RiskScan; a partial unique index lets only one scan be
   queued or running, so a second request is refused (ScanBusy, HTTP 409).
2. `run_risk_scan` (a Celery task) claims the scan with a conditional UPDATE, then, for each of
   RISK_SCAN_SLICES slices of the customer id range, runs one INSERT … SELECT that computes the
   features (risk.selectors.feature_sql), the points, score, level and reasons inside
   the database and writes the assessments; on PostgreSQL the same statement records the
   slice's progress and returns its counts, and in autocommit the slices are shared by
   RISK_SCAN_WORKERS connections (this thread's among them). No customer row passes through
   Python, so the worker's memory does not depend on the number of customers, and the number
   of statements is fixed.
3. `_publish` then, in one transaction, opens a follow-up for each customer whose level rose to
   high or critical (INSERT … SELECT … ON CONFLICT DO NOTHING), closes the risk follow-ups of
   customers that fell back, copies the levels and scores of the rows marked `changed` to the
   customers (UPDATE … FROM) and posts one notice per supervisor; e-mail digests go out after
   the commit. Until then the scan's rows are not shown anywhere.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import (
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts_manager.models import FollowUp, FollowUpStatus
from common import outbox
from common.actors import Actor, person
from common.errors import Busy
from customers.history import (
    history_insert_sql,
    job_reason,
    register_job,
    tracked_columns,
)
from customers.models import Assignment, Customer, RiskLevel
from risk import policy, tasks
from risk.models import (
    ALERT_LEVELS,
    LEVEL_ORDER,
    RiskAssessment,
    RiskOverride,
    RiskScan,
    RiskScanStatus,
    RiskScanTrigger,
)
from risk.notices import notify_supervisors_of_risers
from risk.overrides import expire_risk_overrides
from risk.rules import RiskRules, assessment_insert_sql
from risk.selectors import Windows, active_id_range, shown_level

logger = logging.getLogger(__name__)

# The customer's change history names these jobs as the authors of their writes.
RISK_SCAN_JOB = "risk_scan"
register_job(RISK_SCAN_JOB, gettext_lazy("Risk scan #%(ref)s"))

# --- requesting and running a scan -----------------------------------------------------------


class ScanBusy(Busy):
    """A scan is already queued or running; `scan` is that scan."""

    def __init__(self, scan: RiskScan | None) -> None:
        super().__init__("scan_running", _("A risk scan is already queued or running."))
        self.scan = scan


class ScanLost(Exception):
    """The scan was given up (taken for dead) while this worker was still running it."""


def _waiting_for_broker(scan_ids) -> set[int]:
    """The scans whose task is still in the outbox (the broker was down): they run once it
    is back, so they are neither given up nor dispatched again."""

    return {pk for pk in scan_ids if outbox.waiting(tasks.run_risk_scan, pk)}


def _give_up_stale_scans(now: dt.datetime) -> int:
    """Mark dead scans failed: running without a heartbeat, or queued and never picked up by
    a worker within RISK_SCAN_QUEUE_TIMEOUT (unless its task still waits for the broker)."""
    running = RiskScan.objects.filter(
        status=RiskScanStatus.RUNNING, heartbeat_at__lt=now - settings.RISK_SCAN_STALE_AFTER
    )
    queued = RiskScan.objects.filter(
        status=RiskScanStatus.QUEUED, created_at__lt=now - settings.RISK_SCAN_QUEUE_TIMEOUT
    )
    queued_ids = set(queued.values_list("pk", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        silent = _("Given up: the worker stopped reporting progress.")
        untaken = _("Given up: no worker took the scan.")
    given_up = running.update(status=RiskScanStatus.FAILED, finished_at=now, error=silent)
    never_taken = queued_ids - _waiting_for_broker(queued_ids)
    given_up += RiskScan.objects.filter(pk__in=never_taken).update(
        status=RiskScanStatus.FAILED, finished_at=now, error=untaken
    )
    return given_up


def recover_queued_scans(*, now: dt.datetime | None = None) -> list[int]:
    """The periodic check of queued scans: give up dead ones, and dispatch again a scan queued
    for RISK_SCAN_REDISPATCH_AFTER whose task was published but that no worker took (the
    message was lost). Running the task twice is harmless: only one run claims the scan.
    Returns the ids dispatched again."""

    now = now or timezone.now()
    with transaction.atomic():
        _give_up_stale_scans(now)
        queued = set(
            RiskScan.objects.filter(
                status=RiskScanStatus.QUEUED,
                created_at__lt=now - settings.RISK_SCAN_REDISPATCH_AFTER,
            ).values_list("pk", flat=True)
        )
        again = sorted(queued - _waiting_for_broker(queued))
        for pk in again:
            outbox.enqueue(tasks.run_risk_scan, pk)
    if again:
        logger.warning("risk scans %s were queued but not picked up: dispatched again", again)
    return again


def queue_risk_scan(*, acting_user: Actor, trigger: str = RiskScanTrigger.API) -> RiskScan:
    """Queue a scan without dispatching it (the caller runs it). Refused with ScanBusy while
    another scan is queued or running; a dead one is given up first (RISK_SCAN_STALE_AFTER)."""
    policy.check(acting_user, "start_scan")
    now = timezone.now()
    with transaction.atomic():
        _give_up_stale_scans(now)
        try:
            with transaction.atomic():
                return RiskScan.objects.create(
                    trigger=trigger, requested_by=person(acting_user), created_at=now
                )
        except IntegrityError:
            raise ScanBusy(RiskScan.objects.active().first()) from None


def request_risk_scan(*, acting_user: Actor, trigger: str = RiskScanTrigger.API) -> RiskScan:
    """Queue a scan and its task (in the outbox, published once committed and again later if
    the broker is down); refused like queue_risk_scan."""
    policy.check(acting_user, "start_scan")

    with transaction.atomic():
        scan = queue_risk_scan(acting_user=acting_user, trigger=trigger)
        outbox.enqueue(tasks.run_risk_scan, scan.pk)
    return scan


def _claim(scan_id: int, now: dt.datetime, total: int) -> bool:
    """Take the scan for this worker: a queued one, or a running one whose worker died.
    `total` is the number of customers to score (for the progress)."""
    claimable = Q(status=RiskScanStatus.QUEUED) | Q(
        status=RiskScanStatus.RUNNING, heartbeat_at__lt=now - settings.RISK_SCAN_STALE_AFTER
    )
    return bool(
        RiskScan.objects.filter(claimable, pk=scan_id).update(
            status=RiskScanStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            as_of=timezone.localdate(now),
            customers_total=total,
            customers_scanned=0,
            error="",
        )
    )


def _slices(lo: int, hi: int, count: int) -> list[tuple[int, int]]:
    """`count` half-open id ranges covering [lo, hi] (some may be empty)."""
    step = max(1, -(-(hi - lo + 1) // count))
    return [(lo + i * step, lo + (i + 1) * step) for i in range(count)]


def run_risk_scan(scan_id: int) -> RiskScan | None:
    """Run a queued scan to the end (see the module's docstring). Returns None when the scan
    is not there to run (already taken by another worker, done or failed)."""
    now = timezone.now()
    total, lo, hi = active_id_range()
    if not _claim(scan_id, now, total):
        logger.info("risk scan %s: not claimable, skipped", scan_id)
        return None
    partitions = int(settings.RISK_SCAN_PARTITIONS)
    try:
        if partitions >= 1:
            _start_partitions(scan_id, now, lo, hi, partitions)
        else:
            _scan(scan_id, now, lo, hi)
    except ScanLost:
        logger.warning("risk scan %s was given up while running; its results are dropped", scan_id)
        RiskAssessment.objects.filter(scan_id=scan_id).delete()
    except Exception as exc:
        logger.exception("risk scan %s failed", scan_id)
        RiskAssessment.objects.filter(scan_id=scan_id).delete()
        RiskScan.objects.filter(pk=scan_id, status=RiskScanStatus.RUNNING).update(
            status=RiskScanStatus.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
    return RiskScan.objects.get(pk=scan_id)


def _heartbeat(scan_id: int, **fields) -> None:
    changed = RiskScan.objects.filter(pk=scan_id, status=RiskScanStatus.RUNNING).update(
        heartbeat_at=timezone.now(), **fields
    )
    if changed != 1:
        raise ScanLost(scan_id)


@dataclass
class Tally:
    """What the slices wrote: customers scored, risers, and customers per shown level."""

    scored: int = 0
    risers: int = 0
    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVEL_ORDER, 0))

    def add(self, scored: int, risers: int, *levels: int) -> None:
        self.scored += scored
        self.risers += risers
        for level, count in zip(LEVEL_ORDER, levels, strict=True):
            self.levels[level] += count


def scan_params(scan_id: int, now: dt.datetime) -> dict:
    """The parameters of a scan's statements (its windows as of `now`)."""
    windows = Windows(as_of=timezone.localdate(now), now=now)
    return {
        **windows.params(),
        "scan": scan_id,
        "now": connection.ops.adapt_datetimefield_value(now),
    }


def _prepare(scan_id: int, now: dt.datetime) -> None:
    # Left over by a worker that died mid-scan (the scan is being run again).
    RiskAssessment.objects.filter(scan_id=scan_id).delete()
    expire_risk_overrides(now=now)


def _start_partitions(scan_id: int, now: dt.datetime, lo: int, hi: int, count: int) -> None:
    """Split the scan into `count` partitions of the id range, each a task of its own
    (risk.partitions.score_partition); the last to finish publishes. Each partition cuts its
    range into its share of RISK_SCAN_SLICES slices, so the statements are the same."""
    _prepare(scan_id, now)
    parts = _slices(lo, hi, count)
    if (
        RiskScan.objects.filter(pk=scan_id, status=RiskScanStatus.RUNNING).update(
            partitions_left=len(parts), heartbeat_at=timezone.now()
        )
        != 1
    ):
        raise ScanLost(scan_id)
    per_part = max(1, -(-int(settings.RISK_SCAN_SLICES) // count))
    for start, end in parts:
        tasks.score_risk_partition.delay(scan_id, start, end, per_part)


def _scan(scan_id: int, now: dt.datetime, lo: int, hi: int) -> None:
    rules = RiskRules.from_settings()
    _prepare(scan_id, now)
    params = scan_params(scan_id, now)
    started = time.perf_counter()
    tally = score_slices(scan_id, rules, params, _slices(lo, hi, settings.RISK_SCAN_SLICES))
    scored = time.perf_counter()
    finish_scan(scan_id, now, tally)
    logger.info(
        "risk scan %s: %d customers scored in %.2f s, published and pruned in %.2f s",
        scan_id,
        tally.scored,
        scored - started,
        time.perf_counter() - scored,
    )


def finish_scan(scan_id: int, now: dt.datetime, tally: Tally) -> None:
    """Publish a scored scan and prune the old history."""
    _publish(scan_id, now, tally)
    _prune_history(now)


def _run_slice(sql: str, params: dict) -> tuple[int, ...]:
    """One slice in its own transaction (a savepoint inside a caller's transaction, so that a
    failure leaves the connection usable for recording it).

    A statement with progress (assessment_insert_sql) records the progress and the heartbeat
    and returns the slice's tally; a scan given up meanwhile returns no row, and the slice is
    rolled back (ScanLost). A plain INSERT returns nothing: then the rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            sql, {**params, "beat": connection.ops.adapt_datetimefield_value(timezone.now())}
        )
        if cursor.description is None:
            return (max(cursor.rowcount, 0),)
        row = cursor.fetchone()
        if row is None:
            raise ScanLost(params["scan"])
        return tuple(row)


def _parallel_workers() -> int:
    """How many database connections score slices at once: RISK_SCAN_WORKERS on PostgreSQL
    in autocommit; one inside a caller's transaction (other connections would not see its
    rows) and on SQLite (one writer at a time)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, int(settings.RISK_SCAN_WORKERS))


def score_slices(scan_id: int, rules: RiskRules, params: dict, slices) -> Tally:
    """Run the slices, on several connections at once when allowed, and return their tally.
    On PostgreSQL each slice records its own progress and tally; on SQLite this thread writes
    the heartbeat and the progress after each slice, and counts the levels at the end."""
    progress = connection.vendor == "postgresql"
    sql = assessment_insert_sql(rules, progress=progress)
    workers = min(_parallel_workers(), len(slices))
    tally = Tally()
    if not progress:
        for start, end in slices:
            (written,) = _run_slice(sql, {**params, "lo": start, "hi": end})
            tally.scored += written
            _heartbeat(scan_id, customers_scanned=tally.scored)
        return count_levels(scan_id)
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for bounds in slices:
        todo.put(bounds)
    results: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            try:
                start, end = todo.get_nowait()
            except queue.Empty:
                return
            try:
                results.put(_run_slice(sql, {**params, "lo": start, "hi": end}))
            except BaseException as exc:  # the others stop; the caller fails the scan
                stop.set()
                results.put(exc)
                return

    def helper() -> None:
        try:
            work()
        finally:
            connections.close_all()

    # This thread scores slices too, on its connection (open and warm); each helper opens
    # one connection of its own.
    threads = [threading.Thread(target=helper, name=f"risk-scan-{i}") for i in range(workers - 1)]
    for thread in threads:
        thread.start()
    try:
        work()
    finally:
        for thread in threads:
            thread.join()
    while not results.empty():
        result = results.get()
        if isinstance(result, BaseException):
            raise result
        tally.add(*result)
    return tally


def count_levels(scan_id: int) -> Tally:
    """The tally of a scan's rows, read back (where the slices cannot return it)."""
    tally = Tally()
    rows = (
        RiskAssessment.objects.filter(scan_id=scan_id)
        .annotate(shown=shown_level())
        .order_by()
        .values_list("shown")
        .annotate(n=Count("pk"), risers=Count("pk", filter=Q(rose=True)))
    )
    for shown, n, risers in rows:
        tally.scored += n
        tally.risers += risers
        tally.levels[shown] = n
    return tally


# --- publishing a scan's results -------------------------------------------------------------


def _split_template(template: str) -> tuple[str, str]:
    """A translated "… %(score)s …" template as the text before and after the score."""
    before, _marker, after = template.partition("\x00")
    return before, after


def _open_risk_followups(scan_id: int, now: dt.datetime) -> None:
    """One follow-up per riser in its manager's queue; an open one for the same customer
    (source `risk:<customer id>`) is kept instead, so a customer never has two."""

    with translation.override(settings.LANGUAGE_CODE):
        texts = {
            level: _split_template(
                _("Arrears risk rose to %(level)s (score %(score)s)")
                % {"level": label, "score": "\x00"}
            )
            for level, label in RiskLevel.choices
            if level in ALERT_LEVELS
        }
    shown = "COALESCE(a.override_level, a.level)"
    sql = f"""
INSERT INTO {FollowUp._meta.db_table}
    (created_at, updated_at, customer_id, manager_id, kind, due_at, status, summary, source,
     link, note)
SELECT %(now)s, %(now)s, a.customer_id, asg.manager_id, 'risk', %(due)s, 'open',
       CASE {shown} WHEN 'critical' THEN %(critical_before)s ELSE %(high_before)s END
           || CAST(a.score AS TEXT)
           || CASE {shown} WHEN 'critical' THEN %(critical_after)s ELSE %(high_after)s END,
       'risk:' || CAST(a.customer_id AS TEXT), '', ''
FROM {RiskAssessment._meta.db_table} a
LEFT JOIN {Assignment._meta.db_table} asg
       ON asg.customer_id = a.customer_id AND asg.{connection.ops.quote_name("end")} IS NULL
WHERE a.scan_id = %(scan)s AND a.rose
ON CONFLICT DO NOTHING"""
    ops = connection.ops
    params = {
        "now": ops.adapt_datetimefield_value(now),
        "due": ops.adapt_datetimefield_value(now + settings.RISK_FOLLOWUP_DUE),
        "scan": scan_id,
        "high_before": texts["high"][0],
        "high_after": texts["high"][1],
        "critical_before": texts["critical"][0],
        "critical_after": texts["critical"][1],
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _close_fallen_followups(scan_id: int, now: dt.datetime) -> int:
    """Cancel the open risk follow-ups of customers now shown below high."""

    fallen = (
        RiskAssessment.objects.filter(scan_id=scan_id, customer_id=OuterRef("customer_id"))
        .annotate(shown=shown_level())
        .exclude(shown__in=ALERT_LEVELS)
    )
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Closed by the risk scan: the level fell below high.")
    return (
        FollowUp.objects.filter(kind="risk", status=FollowUpStatus.OPEN)
        .filter(
            source=Concat(
                Value("risk:"), Cast("customer_id", CharField()), output_field=CharField()
            )
        )
        .filter(Exists(fallen))
        .update(status=FollowUpStatus.CANCELLED, closed_at=now, updated_at=now, note=note)
    )


def _copy_levels_to_customers(scan_id: int, now: dt.datetime, job: str = RISK_SCAN_JOB) -> None:
    """Customer.risk_level (the override in force, else the computed level) and risk_score,
    written only where they change.

    Only the rows whose result differed from the customer when scored (`changed`, found by a
    partial index) are read. An override set or ended while the scan ran wrote the customer
    itself, so an unchanged row has nothing to add; a changed row shows the override in
    force now, not the one the slice saw.

    The same statement records a history row per changed customer, by the scan (not by
    whoever next edits the customer)."""
    customer = Customer._meta.db_table
    update = f"""
UPDATE {customer} SET risk_level = n.shown, risk_score = n.score, updated_at = %(now)s
FROM (
    SELECT a.customer_id, COALESCE(o.level, a.level) AS shown, a.score
    FROM {RiskAssessment._meta.db_table} a
    LEFT JOIN {RiskOverride._meta.db_table} o
           ON o.customer_id = a.customer_id AND o.ended_at IS NULL AND o.expires_at > %(now)s
    WHERE a.scan_id = %(scan)s AND a.changed
) n
WHERE {customer}.id = n.customer_id
  AND ({customer}.risk_level IS NULL OR {customer}.risk_score IS NULL
       OR {customer}.risk_level <> n.shown OR {customer}.risk_score <> n.score)"""
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "now": adapt(now),
        "scan": scan_id,
        "history_date": adapt(timezone.now()),
        "history_reason": job_reason(job, scan_id),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            returning = ", ".join(f"{customer}.{c}" for c in tracked_columns(Customer))
            history = history_insert_sql(Customer, source="changed")
            cursor.execute(f"WITH changed AS ({update} RETURNING {returning})\n{history}", params)
            return
        # SQLite (`make run`) has no UPDATE inside WITH: the changed ids come back instead.
        cursor.execute(f"{update} RETURNING {customer}.id", params)
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), 500):
            chunk = ",".join(str(int(pk)) for pk in ids[start : start + 500])
            source = f"{customer} WHERE id IN ({chunk})"
            cursor.execute(history_insert_sql(Customer, source=source), params)


def publish_assessments(
    scan: RiskScan, now: dt.datetime, risers: int, *, job: str = RISK_SCAN_JOB
) -> None:
    """What a scan's assessments change, inside the caller's transaction: follow-ups of the
    risers opened, of the fallen closed, levels and scores copied to the customers (with a
    history row authored by `job`), supervisors told of the risers. The nightly scan and the
    rescoring after a money change publish the same way."""
    if risers:
        _open_risk_followups(scan.pk, now)
    _close_fallen_followups(scan.pk, now)
    _copy_levels_to_customers(scan.pk, now, job)
    if risers:
        notify_supervisors_of_risers(scan)


def _publish(scan_id: int, now: dt.datetime, tally: Tally) -> None:
    with transaction.atomic():
        scan = RiskScan.objects.select_for_update().get(pk=scan_id)
        if scan.status != RiskScanStatus.RUNNING:
            raise ScanLost(scan_id)
        publish_assessments(scan, now, tally.risers)
        scan.status = RiskScanStatus.DONE
        scan.finished_at = timezone.now()
        scan.heartbeat_at = scan.finished_at
        scan.levels = tally.levels
        scan.customers_scanned = tally.scored
        scan.risers = tally.risers
        scan.save(
            update_fields=[
                "status",
                "finished_at",
                "heartbeat_at",
                "levels",
                "customers_scanned",
                "risers",
            ]
        )


def _prune_history(now: dt.datetime) -> int:
    """Delete the assessments of scans older than RISK_HISTORY_RETENTION_DAYS (the scans stay,
    with their counts). The old scans are read first, so that the delete goes by the
    (scan, customer) index whatever the table's statistics say."""
    days = settings.RISK_HISTORY_RETENTION_DAYS
    if days is None:
        return 0
    old = list(
        RiskScan.objects.filter(
            Exists(RiskAssessment.objects.filter(scan_id=OuterRef("pk"))),
            created_at__lt=now - dt.timedelta(days=days),
        ).values_list("pk", flat=True)
    )
    deleted = 0
    if old:
        deleted, _detail = RiskAssessment.objects.filter(scan_id__in=old).delete()
    # The rescorings' own rows go too (scans of every customer stay, with their counts).
    RiskScan.objects.filter(
        trigger=RiskScanTrigger.CHANGE, created_at__lt=now - dt.timedelta(days=days)
    ).delete()
    return deleted
