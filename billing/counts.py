"""The number of bills and payments, per region, without counting them (`RowCount`).

The API's page-number lists answer an exact `count` (API.md); `COUNT(*)` over millions of bills
takes longer than the page itself. Triggers of migration 0007 keep, per statement, the change of
each table's rows per region of the customer; the sum of those deltas is the exact number, in
the caller's own transaction. `fold()` (a job every few minutes) replaces the deltas by their
sum; `check()` (nightly) compares the sums with a real count and repairs any drift.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Sum

from billing.models import Bill, Payment, RowCount
from customers.querysets import whole_regions_seen

logger = logging.getLogger(__name__)

COUNTED: dict[str, type[Bill] | type[Payment]] = {
    Bill._meta.db_table: Bill,
    Payment._meta.db_table: Payment,
}


def rows(table: str, *, region_ids: Iterable[int | None] | None = None) -> int:
    """The number of rows of `table` (of the customers of `region_ids`, or all)."""
    if table not in COUNTED:
        raise ValueError(f"{table} is not counted")
    found = RowCount.objects.filter(table=table)
    if region_ids is not None:
        found = found.filter(region_id__in=list(region_ids))
    return found.aggregate(n=Sum("n", default=0))["n"]


# Query parameters that change neither which rows a list has nor their number.
NEUTRAL_PARAMETERS = frozenset({"page", "page_size", "ordering", "format"})


def list_count(table: str, request) -> int | None:
    """The exact `count` of the API's unfiltered list of `table` for the caller, when the kept
    numbers give it: everything, or a supervisor's region. None when the list must count."""
    if connection.vendor != "postgresql" or set(request.query_params) - NEUTRAL_PARAMETERS:
        return None
    regions = whole_regions_seen(request.user)
    if regions is None:
        return rows(table)
    return rows(table, region_ids=regions) if regions else None


def fold() -> int:
    """Replace the deltas of each table and region by their sum; the deltas folded."""
    folded = 0
    with connection.cursor() as cursor:
        for table in COUNTED:
            cursor.execute(
                """
                WITH gone AS (
                    DELETE FROM billing_rowcount WHERE "table" = %s RETURNING region_id, n
                ), moved AS (
                    INSERT INTO billing_rowcount ("table", region_id, n)
                    SELECT %s, region_id, sum(n) FROM gone GROUP BY region_id
                )
                SELECT count(*) FROM gone
                """,
                [table, table],
            )
            folded += cursor.fetchone()[0]
    return folded


def real_counts(table: str) -> dict[int | None, int]:
    model = COUNTED[table]
    return {
        row["customer__region_id"]: row["n"]
        for row in model._default_manager.order_by()
        .values("customer__region_id")
        .annotate(n=Count("pk"))
    }


def kept_counts(table: str) -> dict[int | None, int]:
    return {
        row["region_id"]: row["n"]
        for row in RowCount.objects.filter(table=table)
        .order_by()
        .values("region_id")
        .annotate(n=Sum("n"))
        if row["n"]
    }


@transaction.atomic
def check() -> dict[str, dict[int | None, int]]:
    """Compare the kept numbers with a count of the rows, repair them, and return the drift
    per table and region (real minus kept; empty when none)."""
    drift: dict[str, dict[int | None, int]] = {}
    for table in COUNTED:
        # The table's writers wait until the count and the repair are done, so that the two
        # are of the same rows.
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{table}" IN SHARE MODE')
        real, kept = real_counts(table), kept_counts(table)
        differences = {
            region: real.get(region, 0) - kept.get(region, 0)
            for region in set(real) | set(kept)
            if real.get(region, 0) != kept.get(region, 0)
        }
        if differences:
            logger.warning("row counts of %s drifted: %s", table, differences)
            RowCount.objects.bulk_create(
                RowCount(table=table, region_id=region, n=n) for region, n in differences.items()
            )
            drift[table] = differences
    return drift
