"""Jobs of the arrears-risk scan: thin wrappers around one service each (see config/celery.py)."""

import logging

from celery import shared_task

from common.actors import SYSTEM
from risk import overrides as risk_overrides
from risk import partitions as risk_partitions
from risk import rescoring as risk_rescoring
from risk import services as risk
from risk.models import RiskScanTrigger

logger = logging.getLogger(__name__)


@shared_task
def run_risk_scan(scan_id: int) -> str | None:
    """Run a queued scan (dispatched by `request_risk_scan`). Delivered twice, it runs once."""
    scan = risk.run_risk_scan(scan_id)
    return scan.status if scan else None


@shared_task
def scheduled_risk_scan() -> str | None:
    """Nightly: queue a scan and run it here. Skipped while another scan is under way."""
    try:
        scan = risk.queue_risk_scan(acting_user=SYSTEM, trigger=RiskScanTrigger.SCHEDULE)
    except risk.ScanBusy as busy:
        logger.info("scheduled risk scan skipped: scan %s is under way", busy.scan and busy.scan.pk)
        return None
    done = risk.run_risk_scan(scan.pk)
    return done.status if done else None


@shared_task
def recover_risk_scans() -> int:
    """Every few minutes: give up dead scans and dispatch again queued ones no worker took."""
    return len(risk.recover_queued_scans())


@shared_task
def expire_risk_overrides() -> int:
    """Every minute: overrides past their expiry end, and the computed level shows again."""
    return risk_overrides.expire_risk_overrides()


# Acknowledged once done: a worker holds one partition at a time (with prefetch 1), so the
# partitions spread over the free workers instead of queueing behind one.
@shared_task(acks_late=True)
def score_risk_partition(scan_id: int, lo: int, hi: int, slices: int) -> str:
    """One partition of a scan split across workers (RISK_SCAN_PARTITIONS)."""
    return risk_partitions.score_partition(scan_id, lo, hi, slices)


@shared_task
def rescore_pending() -> int:
    """A second after a money change (coalesced), and every minute as a safety net: rescore
    the customers whose money changed."""
    return risk_rescoring.rescore_pending()
