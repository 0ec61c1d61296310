"""Thin tasks: each loads nothing itself and calls one function of the outages part."""

from celery import shared_task

from outages import confirmations, impacts, notices


@shared_task(acks_late=True)
def send_outage_notifications(outage_id: int | None = None) -> int:
    """Claim and send the due notices of an outage (or of all outages); returns how many."""
    return notices.run_batch(outage_id=outage_id).handled


@shared_task
def resume_outage_notifications() -> int:
    """Free rows of dead workers and start batches for due notices (retries included)."""
    notices.release_stale_claims()
    outage_ids = notices.due_outage_ids()
    for outage_id in outage_ids:
        send_outage_notifications.delay(outage_id)
    return len(outage_ids)


@shared_task
def escalate_unconfirmed_important_customers() -> int:
    return confirmations.escalate_unconfirmed_important()


@shared_task
def refresh_upcoming_outage_impacts() -> int:
    return impacts.refresh_upcoming_impacts()
