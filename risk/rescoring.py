"""Risk follows the money: the customers whose money changed are rescored within seconds,
with the statement and the publishing of the nightly scan (which stays as the safety net).

1. billing calls `billing.changes.money_changed(customer_ids)` in every write path (payment,
   reversal, bill import, write-off, promise, disconnection); once the change commits,
   `request_rescoring` (registered in risk.apps) writes one RiskRescoreRequest per customer
   (ON CONFLICT DO NOTHING: a customer waits once however many changes it has) and schedules
   the task `risk.tasks.rescore_pending` RISK_RESCORE_COUNTDOWN seconds later, unless the
   debounce key (a cache `add`, SET NX EX) says one was scheduled in the last
   RISK_RESCORE_DEBOUNCE seconds: a burst of changes schedules about one task per second,
   and each task drains what is waiting when it runs. The debounce key lives shorter than the
   countdown, so a request written while the key stands is always older than the task that
   drains it.
2. `rescore_pending` takes the waiting customers RISK_RESCORE_BATCH at a time (FOR UPDATE SKIP
   LOCKED, deleted in the same transaction: a failed batch leaves them waiting) and rescores
   each batch with `rescore_customers`: a scan of those customers only (trigger `change`),
   the same INSERT … SELECT as the nightly scan's slices (risk.rules.assessment_insert_sql
   with the IDS scope) and the same publishing (risk.services.publish_assessments): level and
   score copied to the customer with a history row ("risk rescoring #N"), follow-up opened for
   a rise to high or critical and closed for a fall, the supervisors' notice and e-mail of the
   risers. A rise is told once: by the rescoring that found it, and the next nightly scan
   finds the customer unchanged. Overrides in force are honoured as by the scan; expiring
   them and pruning the history stay with the scan and the minute job.
3. While a scan of every customer is queued or running the task waits (RISK_RESCORE_RETRY
   seconds) and looks again, so that the scan's publishing, computed from an older snapshot,
   never overwrites a fresher rescoring.

Without a broker the requests stay in the table; the minute job `rescore_pending` drains them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from customers.history import register_job

# A module reference: risk.services imports risk.tasks, which imports this module.
from risk import services, tasks
from risk.models import RiskRescoreRequest, RiskScan, RiskScanStatus, RiskScanTrigger
from risk.rules import RiskRules, assessment_insert_sql
from risk.selectors import IDS, scope_params

logger = logging.getLogger(__name__)

RISK_RESCORE_JOB = "risk_rescore"
register_job(RISK_RESCORE_JOB, gettext_lazy("Risk rescoring after a payment or bill #%(ref)s"))

DEBOUNCE_KEY = "risk:rescore:scheduled"


def request_rescoring(customer_ids: Iterable[int]) -> None:
    """The listener of billing's money changes (after the commit): the customers wait to be
    rescored, and the task is scheduled unless one was in the last second."""
    rows = [RiskRescoreRequest(customer_id=pk) for pk in customer_ids]
    RiskRescoreRequest.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
    schedule_rescoring()


def schedule_rescoring(*, countdown: float | None = None, debounce: bool = True) -> bool:
    """Schedule `rescore_pending` (at most once per RISK_RESCORE_DEBOUNCE with `debounce`).
    A broker that is down is logged: the requests wait for the minute job."""
    if debounce and not cache.add(DEBOUNCE_KEY, 1, timeout=settings.RISK_RESCORE_DEBOUNCE):
        return False
    try:
        tasks.rescore_pending.apply_async(
            countdown=settings.RISK_RESCORE_COUNTDOWN if countdown is None else countdown
        )
    except Exception:
        logger.exception("risk rescoring could not be scheduled; the minute job will run it")
        return False
    return True


def _full_scan_under_way() -> bool:
    return RiskScan.objects.active().full().exists()


def rescore_pending(*, limit: int | None = None) -> int:
    """Rescore the waiting customers, a batch at a time, until a batch is not full (one
    rescoring per run unless a backlog is bigger than a batch); returns how many.
    While a scan of every customer is under way, nothing is done and the task is scheduled
    again RISK_RESCORE_RETRY seconds later."""
    batch = limit or settings.RISK_RESCORE_BATCH
    total = 0
    while True:
        if _full_scan_under_way():
            if RiskRescoreRequest.objects.exists():
                schedule_rescoring(countdown=settings.RISK_RESCORE_RETRY, debounce=False)
            return total
        with transaction.atomic():
            ids = list(
                RiskRescoreRequest.objects.select_for_update(skip_locked=True)
                .order_by("requested_at", "customer_id")
                .values_list("customer_id", flat=True)[:batch]
            )
            if not ids:
                return total
            RiskRescoreRequest.objects.filter(customer_id__in=ids).delete()
            rescore_customers(ids)
        total += len(ids)
        if len(ids) < batch:
            # Everything waiting when the batch was taken is done; a request written since
            # has a run of its own scheduled (the debounce key outlives no countdown).
            return total


def rescore_customers(customer_ids: Iterable[int], *, now=None) -> RiskScan | None:
    """Score these customers now as the scan would and publish the result, in the caller's
    transaction (or one of its own). Returns the rescoring's scan, None when none of them is
    active (suspended and closed customers keep their last level, as with the scan)."""
    ids = sorted({int(pk) for pk in customer_ids})
    if not ids:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        scan = RiskScan.objects.create(
            trigger=RiskScanTrigger.CHANGE,
            status=RiskScanStatus.DONE,
            created_at=now,
            started_at=now,
            heartbeat_at=now,
            as_of=timezone.localdate(now),
            customers_total=len(ids),
        )
        sql = assessment_insert_sql(RiskRules.from_settings(), scope=IDS)
        with connection.cursor() as cursor:
            cursor.execute(sql, {**services.scan_params(scan.pk, now), **scope_params(ids)})
        tally = services.count_levels(scan.pk)
        if not tally.scored:
            scan.delete()
            return None
        services.publish_assessments(scan, now, tally.risers, job=RISK_RESCORE_JOB)
        scan.finished_at = timezone.now()
        scan.customers_scanned = tally.scored
        scan.risers = tally.risers
        scan.levels = tally.levels
        scan.save(update_fields=["finished_at", "customers_scanned", "risers", "levels"])
    return scan
