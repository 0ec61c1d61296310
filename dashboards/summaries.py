"""The money figures of managers' portfolios: who held which customer when, bills due and
overdue, collection per manager, and the monthly summary tables the dashboard reads (refreshed
by a scheduled job)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Count,
    DecimalField,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Bill, PaymentAllocation
from billing.selectors import AGING_BUCKETS, aging_bucket_q
from common.errors import DomainError
from common.moments import current_period, month_end
from common.money import ZERO
from customers.models import Assignment, Customer
from dashboards.models import (
    DebtorSummary,
    PortfolioSummary,
    SummaryPeriod,
)
from visits.models import VisitPlan, VisitPlanStatus

RISK_LEVELS = ("low", "medium", "high", "critical")
RATIO_PLACES = Decimal("0.0001")


# --- periods ---------------------------------------------------------------------------------


def as_of_for(period: dt.date, today: dt.date | None = None) -> dt.date:
    """The day a month's figures are taken on: its last day, or today while it runs."""
    today = today or timezone.localdate()
    return min(today, month_end(period))


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def cutoff_of(as_of: dt.date) -> dt.datetime:
    """The first moment after the as-of day: what happened before it counts."""
    return day_start(as_of + dt.timedelta(days=1))


def ratio(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO_PLACES, ROUND_HALF_UP)


# --- portfolios and money figures ------------------------------------------------------------


def covering(as_of: dt.date, prefix: str = "") -> Q:
    """Assignments (through `prefix`) that covered the day `as_of`."""
    p = f"{prefix}__" if prefix else ""
    return Q(**{f"{p}start__lte": as_of}) & (
        Q(**{f"{p}end__isnull": True}) | Q(**{f"{p}end__gte": as_of})
    )


def manager_on(as_of: dt.date, customer_ref: str = "customer_id") -> Subquery:
    """The id of the manager who looked after the customer `customer_ref` on `as_of`."""
    return Subquery(
        Assignment.objects.filter(covering(as_of), customer_id=OuterRef(customer_ref))
        .order_by("-start")
        .values("manager_id")[:1]
    )


def portfolio_on(manager_ids: Iterable[int], as_of: dt.date):
    """Ids of the customers of these managers on `as_of` (a subquery)."""
    return Assignment.objects.filter(covering(as_of), manager_id__in=list(manager_ids)).values(
        "customer_id"
    )


def _money() -> DecimalField:
    return DecimalField(max_digits=16, decimal_places=2)


def _paid_before(cutoff: dt.datetime) -> Coalesce:
    """What payments made before `cutoff` settled of the bill in the current row."""
    paid = (
        PaymentAllocation.objects.filter(bill_id=OuterRef("pk"), payment__paid_at__lt=cutoff)
        .order_by()
        .values("bill_id")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return Coalesce(Subquery(paid, output_field=_money()), ZERO, output_field=_money())


def _not_written_off_before(cutoff: dt.datetime) -> Q:
    return Q(written_off_at__isnull=True) | Q(written_off_at__gte=cutoff)


def bills_due(period: dt.date, as_of: dt.date, customers=None):
    """Bills falling due in the month and issued by `as_of`, annotated `paid` (paid by the
    as-of day)."""
    cutoff = cutoff_of(as_of)
    qs = Bill.objects.filter(
        due_date__gte=period, due_date__lte=month_end(period), issue_date__lte=as_of
    ).filter(_not_written_off_before(cutoff))
    if customers is not None:
        qs = qs.filter(customer_id__in=customers)
    return qs.annotate(paid=_paid_before(cutoff))


def bills_overdue(as_of: dt.date, customers=None):
    """Bills past due and not settled at the end of `as_of`, annotated `unpaid` then."""
    cutoff = cutoff_of(as_of)
    qs = (
        Bill.objects.filter(due_date__lt=as_of, issue_date__lte=as_of)
        .filter(Q(settled_on__isnull=True) | Q(settled_on__gt=as_of))
        .filter(_not_written_off_before(cutoff))
    )
    if customers is not None:
        qs = qs.filter(customer_id__in=customers)
    return qs.annotate(unpaid=F("total") - _paid_before(cutoff))


def collection_by_manager(period: dt.date, as_of: dt.date, customers=None) -> list[dict]:
    """Rows of region_id, manager_id, billed (bills falling due in the month), due (those due
    by the as-of day) and collected (paid of those by then), for the month (one query)."""
    due_so_far = Q(due_date__lte=as_of)
    return list(
        bills_due(period, as_of, customers)
        .annotate(manager_id=manager_on(as_of))
        .values("customer__region_id", "manager_id")
        .annotate(
            billed=Sum("total"),
            due=Sum("total", filter=due_so_far, default=ZERO),
            collected=Sum("paid", filter=due_so_far, default=ZERO),
        )
        .order_by()
    )


def overdue_by_customer(as_of: dt.date, customers=None) -> list[dict]:
    """One row per customer with arrears on `as_of`: overdue, aging_<key>, oldest due date,
    region_id and manager_id (one query)."""
    aging = {
        f"aging_{key}": Sum("unpaid", filter=aging_bucket_q(as_of, first, last), default=ZERO)
        for key, first, last in AGING_BUCKETS
    }
    return list(
        bills_overdue(as_of, customers)
        .values("customer_id")
        .annotate(
            region_id=Min("customer__region_id"),
            overdue=Sum("unpaid"),
            oldest_due_date=Min("due_date"),
            **aging,
        )
        .filter(overdue__gt=0)
        .annotate(manager_id=manager_on(as_of))
        .order_by()
    )


COUNT_FIELDS = (
    "overdue_customers",
    "customers",
    "risk_low",
    "risk_medium",
    "risk_high",
    "risk_critical",
    "visits_planned",
    "visits_done",
)


def _empty_group() -> dict:
    return {
        "billed": ZERO,
        "bills_due": ZERO,
        "collected": ZERO,
        "overdue": ZERO,
        **{f"aging_{key}": ZERO for key, _f, _l in AGING_BUCKETS},
        **dict.fromkeys(COUNT_FIELDS, 0),
    }


def portfolio_counts(as_of: dt.date) -> list[dict]:
    """Active customers by region and manager on `as_of`, and by the risk level they show
    (one query)."""
    by_level = {f"risk_{level}": Count("pk", filter=Q(risk_level=level)) for level in RISK_LEVELS}
    return list(
        Customer.objects.active()
        .annotate(manager_id=manager_on(as_of, "pk"))
        .values("region_id", "manager_id")
        .annotate(customers=Count("pk"), **by_level)
        .order_by()
    )


def visit_plan_counts(period: dt.date, as_of: dt.date) -> list[Mapping[str, Any]]:
    """Plan items due in the month (cancelled ones left out) and those done by their due date,
    by region and by the customer's manager on `as_of` (one query)."""
    rows: Iterable[Mapping[str, Any]] = (
        VisitPlan.objects.filter(due_date__gte=period, due_date__lte=month_end(period))
        .exclude(status=VisitPlanStatus.CANCELLED)
        .annotate(manager_id=manager_on(as_of))
        .values("customer__region_id", "manager_id")
        .annotate(
            planned=Count("pk"),
            done=Count("pk", filter=Q(status=VisitPlanStatus.DONE, done_on__lte=F("due_date"))),
        )
        .order_by()
    )
    return list(rows)


def _summary_rows(period: dt.date, as_of: dt.date) -> tuple[list, list]:
    groups: dict[tuple, dict] = defaultdict(_empty_group)
    for row in collection_by_manager(period, as_of):
        group = groups[(row["customer__region_id"], row["manager_id"])]
        group["billed"] += row["billed"] or ZERO
        group["bills_due"] += row["due"] or ZERO
        group["collected"] += row["collected"] or ZERO
    for row in portfolio_counts(as_of):
        group = groups[(row["region_id"], row["manager_id"])]
        for name in ("customers", *(f"risk_{level}" for level in RISK_LEVELS)):
            group[name] += row[name]
    for plan in visit_plan_counts(period, as_of):
        group = groups[(plan["customer__region_id"], plan["manager_id"])]
        group["visits_planned"] += plan["planned"]
        group["visits_done"] += plan["done"]
    debtors = overdue_by_customer(as_of)
    for row in debtors:
        group = groups[(row["region_id"], row["manager_id"])]
        group["overdue"] += row["overdue"]
        group["overdue_customers"] += 1
        for key, _f, _l in AGING_BUCKETS:
            group[f"aging_{key}"] += row[f"aging_{key}"]
    summaries = [
        PortfolioSummary(period=period, region_id=region_id, manager_id=manager_id, **values)
        for (region_id, manager_id), values in groups.items()
    ]
    top: dict[int, list[dict]] = defaultdict(list)
    for row in sorted(debtors, key=lambda r: (-r["overdue"], r["customer_id"])):
        if len(top[row["region_id"]]) < settings.DASHBOARD_TOP_DEBTORS:
            top[row["region_id"]].append(row)
    ranked = [
        DebtorSummary(
            period=period,
            region_id=row["region_id"],
            customer_id=row["customer_id"],
            manager_id=row["manager_id"],
            overdue=row["overdue"],
            oldest_due_date=row["oldest_due_date"],
        )
        for rows in top.values()
        for row in rows
    ]
    return summaries, ranked


def refresh_portfolio_summary(period: dt.date, *, today: dt.date | None = None) -> SummaryPeriod:
    """Recompute the month's money figures per region and manager, and its top debtors.

    Runs in one transaction under the month's lock row, so readers see the old figures or the
    new ones, and two refreshes of the same month run one after the other.
    """
    today = today or timezone.localdate()
    if period > current_period(today):
        raise DomainError("future_period", _("This month has not begun."), field="period")
    as_of = as_of_for(period, today)
    SummaryPeriod.objects.get_or_create(period=period)
    with transaction.atomic():
        marker = SummaryPeriod.objects.select_for_update().get(period=period)
        summaries, debtors = _summary_rows(period, as_of)
        PortfolioSummary.objects.filter(period=period).delete()
        DebtorSummary.objects.filter(period=period).delete()
        PortfolioSummary.objects.bulk_create(summaries, batch_size=1000)
        DebtorSummary.objects.bulk_create(debtors, batch_size=1000)
        marker.as_of = as_of
        marker.refreshed_at = timezone.now()
        marker.save(update_fields=["as_of", "refreshed_at"])
    return marker


def _is_stale(marker: SummaryPeriod | None, period: dt.date, today: dt.date) -> bool:
    if marker is None or marker.refreshed_at is None:
        return True
    if marker.as_of != as_of_for(period, today):
        return True  # the month moved on (a new day, or the month ended) since
    if period == current_period(today):
        age = timezone.now() - marker.refreshed_at
        return age > dt.timedelta(minutes=settings.DASHBOARD_SUMMARY_MAX_AGE_MINUTES)
    return False


def ensure_portfolio_summaries(
    periods: Sequence[dt.date], *, today: dt.date | None = None
) -> dict[dt.date, SummaryPeriod]:
    """The summary markers of these months, refreshing any that are missing or stale.

    The scheduled job keeps them fresh, so a page normally only reads (one query).
    """
    today = today or timezone.localdate()
    markers = {m.period: m for m in SummaryPeriod.objects.filter(period__in=list(periods))}
    for period in periods:
        if _is_stale(markers.get(period), period, today):
            markers[period] = refresh_portfolio_summary(period, today=today)
    return markers


SUMMARY_FIELDS = (
    "billed",
    "bills_due",
    "collected",
    "overdue",
    *(f"aging_{key}" for key, _f, _l in AGING_BUCKETS),
    *COUNT_FIELDS,
)


def summary_totals(periods: Sequence[dt.date], *, region_id: int | None = None) -> dict:
    """Sums of the summary per month (one query): {period: {field: value}}."""
    qs = PortfolioSummary.objects.filter(period__in=list(periods))
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    # Rows keyed by the summed field names, which the type checker cannot follow.
    rows: Iterable[Mapping[str, Any]] = (
        qs.order_by().values("period").annotate(**{f: Sum(f) for f in SUMMARY_FIELDS})
    )
    empty = {f: (0 if f in COUNT_FIELDS else ZERO) for f in SUMMARY_FIELDS}
    totals = {period: dict(empty) for period in periods}
    for row in rows:
        totals[row["period"]] = {f: row[f] for f in SUMMARY_FIELDS}
    return totals


def summary_by_manager(period: dt.date, manager_ids: Iterable[int]) -> dict[int, dict]:
    """Sums of the summary per manager for one month (one query)."""
    rows: Iterable[Mapping[str, Any]] = (
        PortfolioSummary.objects.filter(period=period, manager_id__in=list(manager_ids))
        .order_by()
        .values("manager_id")
        .annotate(**{f: Sum(f) for f in SUMMARY_FIELDS})
    )
    return {row["manager_id"]: dict(row) for row in rows}
