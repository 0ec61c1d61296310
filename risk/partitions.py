"""A scan split across workers: one partition of the customer id range per Celery task
(RISK_SCAN_PARTITIONS), so that separate worker processes, on one machine or several, score
it at once.

`run_risk_scan` claims the scan, prepares it and dispatches the partitions
(risk.services._start_partitions). Each partition runs the same statements as a scan in one
task (risk.rules.assessment_insert_sql over its share of the slices, each recording its
progress and heartbeat while the scan is running), then counts itself done on the scan's row;
the partition that brings `partitions_left` to 0 publishes the scan exactly as a scan in one
task does. The result is the same whatever the partitioning: each customer's row depends
only on that customer's data and the scan's `now` (the scan's `started_at`).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

# A module reference: risk.services imports risk.tasks, which imports this module.
from risk import services
from risk.models import RiskAssessment, RiskScan, RiskScanStatus
from risk.rules import RiskRules

logger = logging.getLogger(__name__)


def partition_slices(lo: int, hi: int, count: int) -> list[tuple[int, int]]:
    """`count` half-open id ranges covering [lo, hi) and nothing beyond it."""
    step = max(1, -(-(hi - lo) // max(1, count)))
    return [(start, min(start + step, hi)) for start in range(lo, hi, step)]


def _count_done(scan_id: int) -> bool:
    """This partition is done: True when it was the last one."""
    with transaction.atomic():
        scan = RiskScan.objects.select_for_update().filter(pk=scan_id).first()
        if scan is None or scan.status != RiskScanStatus.RUNNING:
            raise services.ScanLost(scan_id)
        scan.partitions_left = max(0, scan.partitions_left - 1)
        scan.heartbeat_at = timezone.now()
        scan.save(update_fields=["partitions_left", "heartbeat_at"])
        return scan.partitions_left == 0


def score_partition(scan_id: int, lo: int, hi: int, slices: int) -> str:
    """Score the customers with id in [lo, hi) for the scan, in `slices` statements; the last
    partition publishes. Returns what happened: scored, published, lost or failed."""
    scan = RiskScan.objects.filter(pk=scan_id, status=RiskScanStatus.RUNNING).first()
    if scan is None or scan.started_at is None:
        logger.info("risk scan %s: not running, partition [%s, %s) skipped", scan_id, lo, hi)
        return "lost"
    now = scan.started_at
    try:
        rules = RiskRules.from_settings()
        services.score_slices(
            scan_id, rules, services.scan_params(scan_id, now), partition_slices(lo, hi, slices)
        )
        if not _count_done(scan_id):
            return "scored"
        services.finish_scan(scan_id, now, services.count_levels(scan_id))
        return "published"
    except services.ScanLost:
        logger.warning("risk scan %s was given up while partition [%s, %s) ran", scan_id, lo, hi)
        return "lost"
    except Exception as exc:
        logger.exception("risk scan %s: partition [%s, %s) failed", scan_id, lo, hi)
        failed = RiskScan.objects.filter(pk=scan_id, status=RiskScanStatus.RUNNING).update(
            status=RiskScanStatus.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
        if failed:
            RiskAssessment.objects.filter(scan_id=scan_id).delete()
        return "failed"
