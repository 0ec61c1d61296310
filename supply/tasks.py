"""Jobs of supply quality: thin wrappers around one service each (see config/celery.py)."""

from celery import shared_task

from common.actors import SYSTEM
from supply import alerts


@shared_task
def scan_supply_quality() -> dict:
    """Nightly: proactive follow-ups for the key accounts over a supply threshold. Run twice,
    it opens nothing more (one open episode per customer and rule)."""
    result = alerts.scan_supply_quality(acting_user=SYSTEM)
    return {"opened": result.opened, "closed": result.closed, "skipped": result.skipped}
