"""Demo data of the arrears-risk scan: one scan over the seeded customers, so the demo shows
risk levels, reasons, high-risk follow-ups and the supervisors' notices from the start.

Idempotent: nothing is done once any scan exists. Runs outside a transaction (ATOMIC = False)
because the scan commits slice by slice, like the nightly job.
"""

from common.actors import SYSTEM
from risk import services as risk
from risk.models import RiskScan, RiskScanTrigger

ATOMIC = False


def seed(rng, stdout) -> None:
    if RiskScan.objects.exists():
        return
    scan = risk.queue_risk_scan(acting_user=SYSTEM, trigger=RiskScanTrigger.COMMAND)
    done = risk.run_risk_scan(scan.pk)
    if done is not None:
        stdout.write(f"  risk scan: {done.customers_scanned} customers, {done.status}")
