"""The nightly reconciliation of the customer balances against the bills, payments and
allocations: recompute every balance from the rows, in chunks of customers, report any drift
(logged and recorded in a `ReconciliationRun`) and repair it.

Each chunk runs in its own transaction under its customers' row locks, so a payment being
recorded meanwhile is either wholly before or wholly after the check of its customer.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing import policy
from billing.balances import CHUNK, FIELDS, Drift, compute_balances, differences, save_balances
from billing.models import CustomerBalance, ReconciliationRun
from common.actors import Actor
from common.money import ZERO
from customers.locks import lock_customers
from customers.models import Customer

logger = logging.getLogger(__name__)

# How many drifted customers a run records in detail (all are counted and repaired).
DRIFT_DETAIL_LIMIT = 200


def _amount(drift: Drift) -> Decimal:
    try:
        return abs(Decimal(drift.actual) - Decimal(drift.kept))
    except ArithmeticError:
        return ZERO


def _check_chunk(ids: list[int], as_of: dt.date) -> list[Drift]:
    """Compare and repair one chunk of customers (locked) and return its drift."""
    with transaction.atomic():
        ids = lock_customers(ids)
        kept = CustomerBalance.objects.in_bulk(ids)
        found: list[Drift] = []
        repair = []
        for actual in compute_balances(ids, as_of=as_of):
            current = kept.get(actual.customer_id)
            found += differences(current, actual)
            if current is None:
                if actual.open_bills or actual.credit:
                    repair.append(actual)
            elif any(getattr(current, f) != getattr(actual, f) for f in FIELDS):
                repair.append(actual)
        save_balances(repair)
    return found


def reconcile_balances(
    *, acting_user: Actor, as_of: dt.date | None = None, chunk: int = CHUNK
) -> ReconciliationRun:
    """Recompute every customer's balance from the rows; record and repair any drift.

    Balances whose day-dependent figures had merely aged are brought up to date too, without
    counting as drift."""
    policy.check(acting_user, "reconcile_balances")
    as_of = as_of or timezone.localdate()
    run = ReconciliationRun.objects.create()
    drifted: dict[int, list[Drift]] = {}
    last, checked = 0, 0
    while True:
        ids = list(
            Customer.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            break
        for drift in _check_chunk(ids, as_of):
            drifted.setdefault(drift.customer_id, []).append(drift)
        checked += len(ids)
        last = ids[-1]
    run.finished_at = timezone.now()
    run.customers_checked = checked
    run.drift_count = len(drifted)
    run.drift_total = sum(
        (_amount(d) for ds in drifted.values() for d in ds if d.field in ("outstanding", "credit")),
        ZERO,
    )
    run.drift = [
        {"customer": d.customer_id, "field": d.field, "kept": d.kept, "actual": d.actual}
        for pk in sorted(drifted)[:DRIFT_DETAIL_LIMIT]
        for d in drifted[pk]
    ]
    run.save()
    if drifted:
        logger.warning(
            "Balance reconciliation: %d of %d customers had drifted (¥%s), repaired: %s",
            run.drift_count,
            checked,
            run.drift_total,
            run.drift[:20],
        )
    else:
        logger.info("Balance reconciliation: %d customers checked, no drift", checked)
    return run
