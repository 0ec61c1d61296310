"""Managers' performance: the month's indicators, the star rating, monthly snapshots, and the
summary of money figures the dashboard and the indicators read.

Definitions (docs/dashboards.md has them for users):

- A month's figures are taken *as of* its last day, or today for the current month.
- A manager's portfolio on a day is the customers whose assignment covered that day
  (assignments never overlap, so each customer has at most one manager on a day).
- Collection rate: the bills whose due date falls in the month (on or before the as-of day,
  written-off ones left out) and, of their total, the part paid by payments made on or before
  the as-of day: collected ÷ due.
- Amount overdue (arrears): what was still unpaid at the end of the as-of day on bills whose
  due date had passed, aged by days past due (1–30, 31–60, 61–90, over 90).

Figures over every bill or every customer (money, portfolio sizes and risk levels, the month's
visit plan) are costly at 200k customers, so they are kept per month, region and manager in
summary tables (PortfolioSummary, DebtorSummary), refreshed by a scheduled job and whenever a
page finds them stale (see `ensure_portfolio_summaries`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    F,
    Q,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager.models import User
from common import outbox
from common.actors import Actor, person
from common.errors import DomainError
from common.moments import current_period, month_end, period_label, shift_months
from common.money import ZERO, to_money
from common.roles import Role
from complaints.models import Complaint
from connections.indicators import manager_connection_figures
from customers.models import Assignment
from dashboards import tasks
from dashboards.models import (
    IndicatorWeight,
    ManagerMonthSnapshot,
    PerformanceIndicator,
    StarBand,
)
from dashboards.policy import POLICY
from dashboards.summaries import (
    as_of_for,
    cutoff_of,
    day_start,
    ensure_portfolio_summaries,
    ratio,
    summary_by_manager,
)
from visits.models import SatisfactionSurvey

SCORE_PLACES = Decimal("0.01")

# --- indicators and the star rating ----------------------------------------------------------


@dataclass
class Indicators:
    """One manager's figures for one month, and the rating they earn."""

    manager_id: int
    period: dt.date
    as_of: dt.date
    source: str  # "live" (current month), "snapshot", or "computed" (past month, no snapshot)
    portfolio_customers: int = 0
    billed: Decimal = ZERO
    bills_due: Decimal = ZERO
    collected: Decimal = ZERO
    amount_overdue: Decimal = ZERO
    high_risk_customers: int = 0
    complaints_resolved: int = 0
    complaints_resolved_in_time: int = 0
    visits_planned: int = 0
    visits_done: int = 0
    surveys: int = 0
    satisfaction: Decimal | None = None
    score: Decimal | None = None
    stars: int | None = None
    computed_at: dt.datetime | None = None
    ratios: dict = field(default_factory=dict)

    def compute_ratios(self) -> None:
        self.ratios = {
            PerformanceIndicator.COLLECTION_RATE: ratio(self.collected, self.bills_due),
            # Overdue against everything receivable: the arrears plus the month's bills.
            PerformanceIndicator.OVERDUE_RATIO: ratio(
                self.amount_overdue, self.amount_overdue + self.billed
            ),
            PerformanceIndicator.HIGH_RISK_SHARE: ratio(
                self.high_risk_customers, self.portfolio_customers
            ),
            PerformanceIndicator.COMPLAINT_SLA: ratio(
                self.complaints_resolved_in_time, self.complaints_resolved
            ),
            PerformanceIndicator.VISIT_COMPLETION: ratio(self.visits_done, self.visits_planned),
            PerformanceIndicator.SATISFACTION: self.satisfaction,
        }

    @property
    def collection_rate(self):
        return self.ratios.get(PerformanceIndicator.COLLECTION_RATE)

    def as_dict(self) -> dict:
        """The figures for the API and exports (money as two-decimal strings)."""
        return {
            "portfolio_customers": self.portfolio_customers,
            "billed": f"{to_money(self.billed):.2f}",
            "bills_due": f"{to_money(self.bills_due):.2f}",
            "collected": f"{to_money(self.collected):.2f}",
            "collection_rate": _number(self.ratios.get("collection_rate")),
            "amount_overdue": f"{to_money(self.amount_overdue):.2f}",
            "overdue_ratio": _number(self.ratios.get("overdue_ratio")),
            "high_risk_customers": self.high_risk_customers,
            "high_risk_share": _number(self.ratios.get("high_risk_share")),
            "complaints_resolved": self.complaints_resolved,
            "complaints_resolved_in_time": self.complaints_resolved_in_time,
            "complaint_sla": _number(self.ratios.get("complaint_sla")),
            "visits_planned": self.visits_planned,
            "visits_done": self.visits_done,
            "visit_completion": _number(self.ratios.get("visit_completion")),
            "surveys": self.surveys,
            "satisfaction": _number(self.satisfaction),
        }


def _number(value) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class RatingRules:
    weights: tuple  # of IndicatorWeight
    bands: tuple  # of StarBand, highest stars first


def rating_rules() -> RatingRules:
    """The administrator's weights and star bands (two queries)."""
    return RatingRules(
        weights=tuple(IndicatorWeight.objects.filter(weight__gt=0)),
        bands=tuple(StarBand.objects.order_by("-stars")),
    )


def indicator_points(value: Decimal, rule: IndicatorWeight) -> Decimal:
    """0–100 points: 100 at `best` or beyond, 0 at `worst` or beyond, linear between."""
    fraction = (Decimal(value) - rule.worst) / (rule.best - rule.worst)
    return min(max(fraction, Decimal(0)), Decimal(1)) * 100


def stars_for(score: Decimal, bands: Sequence[StarBand]) -> int:
    """The most stars whose band starts at or below `score`; one star below every band."""
    earned = [band.stars for band in bands if score >= band.min_score]
    return max(earned) if earned else 1


def rate(ratios: dict, rules: RatingRules) -> tuple[Decimal | None, int | None]:
    """The weighted score (0–100) and stars. Indicators without a value (nothing to measure
    in the month) are left out and the other weights count in proportion."""
    total_weight = Decimal(0)
    points = Decimal(0)
    for rule in rules.weights:
        value = ratios.get(rule.indicator)
        if value is None:
            continue
        total_weight += rule.weight
        points += indicator_points(value, rule) * rule.weight
    if not total_weight:
        return None, None
    score = (points / total_weight).quantize(SCORE_PLACES, ROUND_HALF_UP)
    return score, stars_for(score, rules.bands)


def _complaint_counts(manager_ids, period, as_of):

    return {
        row["assignee_id"]: row
        for row in Complaint.objects.filter(
            assignee_id__in=manager_ids,
            resolved_at__gte=day_start(period),
            resolved_at__lt=cutoff_of(as_of),
        )
        .order_by()
        .values("assignee_id")
        .annotate(resolved=Count("pk"), in_time=Count("pk", filter=Q(breached=False)))
    }


def _survey_figures(manager_ids, period, as_of):
    total = (
        F("supply_reliability")
        + F("power_quality")
        + F("billing")
        + F("service_attitude")
        + F("business_handling")
    )
    return {
        row["visit__manager_id"]: row
        for row in SatisfactionSurvey.objects.filter(
            visit__manager_id__in=manager_ids,
            taken_at__gte=day_start(period),
            taken_at__lt=cutoff_of(as_of),
        )
        .order_by()
        .values("visit__manager_id")
        .annotate(n=Count("pk"), total=Avg(total))
    }


def compute_indicators(
    manager_ids: Sequence[int],
    period: dt.date,
    *,
    today: dt.date | None = None,
    rules: RatingRules | None = None,
    money: dict[int, dict] | None = None,
) -> dict[int, Indicators]:
    """Indicators of these managers for the month, computed now (a fixed number of queries).

    Money figures, portfolio sizes, risk levels and the visit plan come from the summary tables
    (`money`, read when not given); complaints and surveys are counted now.
    """
    today = today or timezone.localdate()
    as_of = as_of_for(period, today)
    ids = list(manager_ids)
    rules = rules or rating_rules()
    if money is None:
        ensure_portfolio_summaries([period], today=today)
        money = summary_by_manager(period, ids)
    complaints = _complaint_counts(ids, period, as_of)
    surveys = _survey_figures(ids, period, as_of)
    source = "live" if period == current_period(today) else "computed"
    result = {}
    for pk in ids:
        m = money.get(pk, {})
        s = surveys.get(pk)
        ind = Indicators(
            manager_id=pk,
            period=period,
            as_of=as_of,
            source=source,
            portfolio_customers=m.get("customers") or 0,
            billed=m.get("billed") or ZERO,
            bills_due=m.get("bills_due") or ZERO,
            collected=m.get("collected") or ZERO,
            amount_overdue=m.get("overdue") or ZERO,
            high_risk_customers=(m.get("risk_high") or 0) + (m.get("risk_critical") or 0),
            complaints_resolved=complaints.get(pk, {}).get("resolved", 0),
            complaints_resolved_in_time=complaints.get(pk, {}).get("in_time", 0),
            visits_planned=m.get("visits_planned") or 0,
            visits_done=m.get("visits_done") or 0,
            surveys=s["n"] if s else 0,
            satisfaction=(Decimal(s["total"]) / 5).quantize(SCORE_PLACES, ROUND_HALF_UP)
            if s and s["total"] is not None
            else None,
            computed_at=timezone.now(),
        )
        ind.compute_ratios()
        ind.score, ind.stars = rate(ind.ratios, rules)
        result[pk] = ind
    return result


SNAPSHOT_FIELDS = (
    "portfolio_customers",
    "billed",
    "bills_due",
    "collected",
    "amount_overdue",
    "high_risk_customers",
    "complaints_resolved",
    "complaints_resolved_in_time",
    "visits_planned",
    "visits_done",
    "surveys",
    "satisfaction",
    "score",
    "stars",
    "computed_at",
)


def _from_snapshot(snapshot: ManagerMonthSnapshot) -> Indicators:
    ind = Indicators(
        manager_id=snapshot.manager_id,
        period=snapshot.period,
        as_of=snapshot.as_of,
        source="snapshot",
        **{name: getattr(snapshot, name) for name in SNAPSHOT_FIELDS},
    )
    ind.compute_ratios()
    return ind


def manager_indicators(
    manager_ids: Sequence[int], period: dt.date, *, today: dt.date | None = None
) -> dict[int, Indicators]:
    """The month's indicators: live for the current month, from the snapshots for past months
    (computed as of the month's end for a manager without one)."""
    today = today or timezone.localdate()
    ids = list(manager_ids)
    result: dict[int, Indicators] = {}
    if period < current_period(today):
        for snapshot in ManagerMonthSnapshot.objects.filter(period=period, manager_id__in=ids):
            result[snapshot.manager_id] = _from_snapshot(snapshot)
    missing = [pk for pk in ids if pk not in result]
    if missing:
        result.update(compute_indicators(missing, period, today=today))
    return result


def performance_trend(
    manager: User, *, end: dt.date, months: int = 12, today: dt.date | None = None
) -> list[tuple[dt.date, Indicators | None]]:
    """The manager's months up to `end`, oldest first: snapshots for past months, live
    figures for the current month, None for a past month without a snapshot."""
    today = today or timezone.localdate()
    periods = [shift_months(end, -n) for n in range(months - 1, -1, -1)]
    snapshots = {
        s.period: _from_snapshot(s)
        for s in ManagerMonthSnapshot.objects.filter(manager=manager, period__in=periods)
    }
    current = current_period(today)
    if current in periods:
        snapshots[current] = compute_indicators([manager.pk], current, today=today)[manager.pk]
    return [(period, snapshots.get(period)) for period in periods]


def managers_for_period(period: dt.date, *, region_id: int | None = None):
    """Account managers to rate for the month: active ones, and those who had a portfolio
    during the month (a manager who left keeps their past months)."""
    month_assignments = Assignment.objects.filter(start__lte=month_end(period)).filter(
        Q(end__isnull=True) | Q(end__gte=period)
    )
    qs = User.objects.filter(groups__name=Role.ACCOUNT_MANAGER).filter(
        Q(is_active=True) | Q(pk__in=month_assignments.values("manager_id"))
    )
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    return qs


def snapshot_performance(
    period: dt.date, *, acting_user: Actor, today: dt.date | None = None
) -> int:
    """Freeze the indicators of a finished month for every manager who has none yet.

    Snapshots already taken are kept as they are: a month's history, once taken, does not
    change. Returns the number of snapshots created.
    """
    POLICY.check(acting_user, "take_snapshot")
    today = today or timezone.localdate()
    if period >= current_period(today):
        raise DomainError(
            "month_not_over",
            _("A month can only be snapshotted once it is over."),
            field="period",
        )
    managers = list(managers_for_period(period).values_list("pk", "region_id"))
    taken = set(
        ManagerMonthSnapshot.objects.filter(period=period).values_list("manager_id", flat=True)
    )
    todo = [(pk, region_id) for pk, region_id in managers if pk not in taken]
    if not todo:
        return 0
    figures = compute_indicators([pk for pk, _r in todo], period, today=today)
    snapshots = [
        ManagerMonthSnapshot(
            manager_id=pk,
            period=period,
            as_of=figures[pk].as_of,
            region_id=region_id,
            computed_by=person(acting_user),
            collection_rate=figures[pk].ratios["collection_rate"],
            overdue_ratio=figures[pk].ratios["overdue_ratio"],
            high_risk_share=figures[pk].ratios["high_risk_share"],
            complaint_sla=figures[pk].ratios["complaint_sla"],
            visit_completion=figures[pk].ratios["visit_completion"],
            **{name: getattr(figures[pk], name) for name in SNAPSHOT_FIELDS},
        )
        for pk, region_id in todo
    ]
    return len(ManagerMonthSnapshot.objects.bulk_create(snapshots, ignore_conflicts=True))


def request_summary_refresh(period: dt.date, *, acting_user: Actor) -> None:
    """Recompute a month's money figures now (the job also runs every ten minutes): queued in
    the outbox, so a broker that is down delays the refresh instead of losing it."""
    POLICY.check(acting_user, "refresh")
    outbox.enqueue(tasks.refresh_dashboard_summary, period_label(period))


def connection_performance(manager_id: int, period: dt.date) -> dict:
    """The manager's connection projects (业扩报装) in the month: energized, their average
    utility-side working days and share within the commitment, and open projects in breach
    (connections.indicators). Shown with the indicators; not yet part of the star rating."""
    start, end = day_start(period), day_start(shift_months(period, 1))
    return manager_connection_figures([manager_id], start=start, end=end)[manager_id]
