"""Scheduled jobs of billing: thin wrappers around one service each (see config/celery.py)."""

from celery import shared_task

from billing import balances, collection, counts, disconnections, import_batches, reconciliation
from common.actors import SYSTEM


@shared_task
def check_promises() -> dict[str, int]:
    """Daily: pending payment promises past their date become kept or broken."""
    return collection.check_promises()


@shared_task
def cancel_settled_disconnections() -> int:
    """Cancel requested/approved disconnections of customers who no longer owe arrears."""
    return disconnections.cancel_settled_disconnections()


@shared_task
def check_reconnections() -> int:
    """Tell supervisors of reconnections past their deadline."""
    return disconnections.check_reconnections()


@shared_task
def fold_row_counts() -> int:
    """Every few minutes: the deltas of the bill and payment counts folded into one row each."""
    return counts.fold()


@shared_task
def check_row_counts() -> dict[str, dict]:
    """Nightly: the kept bill and payment counts compared with the rows, drift repaired."""
    return {table: {str(k): v for k, v in d.items()} for table, d in counts.check().items()}


@shared_task
def check_import_batch(batch_id: int) -> str | None:
    """Check an uploaded file (queued by `import_batches.start_import`)."""
    batch = import_batches.check_import_batch(batch_id)
    return batch.status if batch else None


@shared_task
def commit_import_batch(batch_id: int) -> str | None:
    """Write a previewed file (queued by `import_batches.commit_import`); once only."""
    batch = import_batches.commit_import_batch(batch_id)
    return batch.status if batch else None


@shared_task
def refresh_stale_balances() -> int:
    """Just after midnight: bring the overdue and aging figures of the balances to the new day."""
    return balances.refresh_stale_balances()


@shared_task
def reconcile_balances() -> int:
    """Nightly: check every customer balance against the rows; record and repair any drift."""
    return reconciliation.reconcile_balances(acting_user=SYSTEM).drift_count
