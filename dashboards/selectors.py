"""The supervisors' dashboard: every figure of the page and of `GET /api/v1/dashboard/`,
computed in one place (`dashboard_figures`), in a fixed number of queries.

The result is plain JSON-ready data (money as two-decimal strings, rates as numbers from 0 to
1, moments as ISO 8601), so the API returns it as it is and the page renders the same values.
Definitions are in docs/dashboards.md; the money figures come from the summary tables
(dashboards.performance), the rest is read live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts_manager.models import User
from billing.selectors import AGING_BUCKETS
from common import moments
from common.moments import period_label
from common.money import to_money
from common.roles import sees_everything
from complaints.models import CallbackAttempt, Complaint, ComplaintEvent, Status
from complaints.selectors import complaint_indicators
from connections.indicators import connection_figures
from connections.models import Project
from customers.portfolios import visible_managers
from customers.querysets import customer_scope
from dashboards import performance, summaries
from dashboards.models import DebtorSummary
from dashboards.policy import POLICY
from grid.models import Region
from outages.models import (
    OutageImpact,
    OutageStatus,
    PlannedOutage,
)
from outages.selectors import coverage_by_outage
from risk.models import LEVEL_ORDER, RiskAssessment, RiskScan, level_rank
from risk.selectors import shown_level

# Outages still to come that are on their way to customers (drafts are not announced yet).
UPCOMING_STATUSES = (
    OutageStatus.SUBMITTED,
    OutageStatus.APPROVED,
    OutageStatus.NOTIFYING,
    OutageStatus.NOTIFIED,
)
OUTAGE_ROWS = 20
NEAR_BREACH_ROWS = 20
OPEN_STATUSES = [s for s in Status if s != Status.CLOSED]


def money(value) -> str:
    return f"{to_money(value):.2f}"


def number(value) -> float | None:
    return None if value is None else float(value)


def iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


# --- filter ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilter:
    user: User
    region: Region | None
    period: dt.date
    today: dt.date

    @property
    def as_of(self) -> dt.date:
        return summaries.as_of_for(self.period, self.today)

    @property
    def is_current(self) -> bool:
        return self.period == moments.current_period(self.today)

    @property
    def previous(self) -> dt.date:
        return moments.shift_months(self.period, -1)

    @property
    def start(self) -> dt.datetime:
        return summaries.day_start(self.period)

    @property
    def cutoff(self) -> dt.datetime:
        """The end of the as-of day (now, for the current month)."""
        return timezone.now() if self.is_current else summaries.cutoff_of(self.as_of)


def visible_regions(user):
    """The regions `user` may filter on: all for those who see everything, else their own."""
    if sees_everything(user):
        return Region.objects.order_by("code")
    return Region.objects.filter(pk=user.region_id)


def parse_filter(user, params, *, today: dt.date | None = None) -> DashboardFilter:
    """`region` (a code, empty for all the user sees) and `period` (YYYY-MM) from a query
    string; bad values raise a ValidationError with a message per field."""
    today = today or timezone.localdate()
    errors = {}
    try:
        period = moments.parse_month(params.get("period"), today=today)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        period = None
    code = (params.get("region") or "").strip()
    region = None
    if code:
        region = visible_regions(user).filter(code=code).first()
        if region is None:
            errors["region"] = [_("Choose one of the regions you oversee.")]
    elif not sees_everything(user):
        # A supervisor of one region sees that region, whether it is asked for or not.
        region = visible_regions(user).first()
    if errors:
        raise ValidationError(errors)
    assert period is not None  # parsed, since there are no errors
    return DashboardFilter(user=user, region=region, period=period, today=today)


def _customers_q(f: DashboardFilter, prefix: str = "") -> Q:
    q = customer_scope(f.user, prefix)
    if f.region is not None:
        q &= Q(**{f"{prefix}__region_id" if prefix else "region_id": f.region.pk})
    return q


# --- arrears ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The summary tables' figures of the month and the one before, for the filter's region."""

    markers: dict
    totals: dict


def read_summary(f: DashboardFilter, markers: dict | None = None) -> Summary:
    """Two queries when the summary is fresh (it is refreshed first when it is not); one when
    the caller has the markers already."""
    if markers is None:
        markers = summaries.ensure_portfolio_summaries([f.period, f.previous], today=f.today)
    region_id = f.region.pk if f.region else None
    return Summary(
        markers=markers,
        totals=summaries.summary_totals([f.period, f.previous], region_id=region_id),
    )


def arrears_figures(f: DashboardFilter, summary: Summary | None = None) -> dict:
    summary = summary or read_summary(f)
    markers, region_id = summary.markers, f.region.pk if f.region else None
    now, before = summary.totals[f.period], summary.totals[f.previous]
    debtors = DebtorSummary.objects.filter(period=f.period).select_related("customer", "manager")
    if region_id is not None:
        debtors = debtors.filter(region_id=region_id)
    top = [
        {
            "customer": d.customer_id,
            "account_no": d.customer.account_no,
            "name": d.customer.name,
            "manager": d.manager_id,
            "manager_name": d.manager.display_name if d.manager else None,
            "overdue": money(d.overdue),
            "oldest_due_date": iso(d.oldest_due_date),
            "days_past_due": (f.as_of - d.oldest_due_date).days,
        }
        for d in debtors.order_by("-overdue", "customer_id")[: settings.DASHBOARD_TOP_DEBTORS]
    ]
    return {
        "total": money(now["overdue"]),
        "aging": {key: money(now[f"aging_{key}"]) for key, _f, _l in AGING_BUCKETS},
        "customers": now["overdue_customers"],
        "billed": money(now["billed"]),
        "bills_due": money(now["bills_due"]),
        "collected": money(now["collected"]),
        "collection_rate": number(summaries.ratio(now["collected"], now["bills_due"])),
        "bills_due_previous": money(before["bills_due"]),
        "collected_previous": money(before["collected"]),
        "collection_rate_previous": number(
            summaries.ratio(before["collected"], before["bills_due"])
        ),
        "as_of": iso(markers[f.period].as_of),
        "refreshed_at": iso(markers[f.period].refreshed_at),
        "top_debtors": top,
    }


# --- risk ------------------------------------------------------------------------------------


def _scans(f: DashboardFilter):
    """The last finished scan by the end of the period (one query)."""
    return list(
        RiskScan.objects.done()
        .full()
        .filter(finished_at__lt=f.cutoff)
        .order_by("-finished_at", "-pk")[:2]
    )


def risk_figures(f: DashboardFilter, summary: Summary | None = None) -> tuple[dict, dict]:
    """Active customers by risk level (the current month: as counted with the summary; a past
    month: after its last scan), and how the levels moved with the last scan."""
    scans = _scans(f)
    scan = scans[0] if scans else None
    assessments = RiskAssessment.objects.filter(_customers_q(f, "customer"))
    if f.is_current:
        totals = (summary or read_summary(f)).totals[f.period]
        counts = {level: totals[f"risk_{level}"] for level in LEVEL_ORDER}
    elif scan is not None:
        # A past month: the levels the customers showed after the month's last scan.
        counts = dict(
            assessments.filter(scan=scan)
            .annotate(shown=shown_level())
            .order_by()
            .values_list("shown")
            .annotate(n=Count("pk"))
        )
    else:
        counts = {}
    levels = {level: counts.get(level, 0) for level in LEVEL_ORDER}
    changes: list[dict[str, Any]] = []
    movement: dict[str, Any] = {
        "scan": scan.pk if scan else None,
        "scanned_at": iso(scan.finished_at) if scan else None,
        "up": 0,
        "down": 0,
        "new": 0,
        "changes": changes,
    }
    if scan is not None:
        rows = (
            assessments.filter(scan=scan)
            .annotate(shown=shown_level())
            .filter(Q(previous_level__isnull=True) | ~Q(previous_level=F("shown")))
            .order_by()
            .values("previous_level", "shown")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            before, after = row["previous_level"], row["shown"]
            key = (
                "new"
                if before is None
                else "up"
                if level_rank(after) > level_rank(before)
                else "down"
            )
            movement[key] += row["n"]
            changes.append({"from": before, "to": after, "customers": row["n"]})
        changes.sort(key=lambda c: (-level_rank(c["to"]), level_rank(c["from"]), c["customers"]))
    return levels, movement


# --- complaints ------------------------------------------------------------------------------


def _status_at(moment: dt.datetime) -> Subquery:
    """A ticket's status at `moment`, from its event log (the last status change before)."""
    return Subquery(
        ComplaintEvent.objects.filter(complaint_id=OuterRef("pk"), at__lt=moment)
        .exclude(to_status="")
        .order_by("-at", "-pk")
        .values("to_status")[:1]
    )


def complaint_figures(f: DashboardFilter) -> dict:
    tickets = Complaint.objects.filter(_customers_q(f, "customer"))
    if f.is_current:
        open_counts = complaint_indicators(tickets)["open"]
    else:
        rows = dict(
            tickets.filter(received_at__lt=f.cutoff)
            .annotate(status_then=_status_at(f.cutoff))
            .exclude(status_then=Status.CLOSED)
            .order_by()
            .values_list("status_then")
            .annotate(n=Count("pk"))
        )
        open_counts = {s.value: rows.get(s.value, 0) for s in OPEN_STATUSES}
    received = complaint_indicators(
        tickets.filter(received_at__gte=f.start, received_at__lt=f.cutoff)
    )
    satisfaction = CallbackAttempt.objects.filter(
        _customers_q(f, "complaint__customer"),
        reached=True,
        at__gte=f.start,
        at__lt=f.cutoff,
    ).aggregate(n=Count("pk"), avg=Avg("satisfaction"))
    near = _near_breach(tickets) if f.is_current else ([], 0)
    return {
        "open": open_counts,
        "open_total": sum(open_counts.values()),
        "received": received["total"],
        "sla_compliance": received["sla_compliance"],
        "repeat_rate": received["repeat_rate"],
        "satisfaction": round(float(satisfaction["avg"]), 2) if satisfaction["avg"] else None,
        "callbacks": satisfaction["n"],
        "near_breach": near[0],
        "near_breach_count": near[1],
    }


def _near_breach(tickets) -> tuple[list[dict], int]:
    """Working tickets whose next deadline falls within the next hours (not yet missed)."""
    now = timezone.now()
    horizon = now + dt.timedelta(hours=settings.DASHBOARD_NEAR_BREACH_HOURS)
    qs = (
        tickets.working()
        .with_next_due(now)
        .filter(overdue=0, next_due__lte=horizon)
        .select_related("customer", "assignee")
        .order_by("next_due", "pk")
    )
    rows = list(qs[: NEAR_BREACH_ROWS + 1])
    count = len(rows) if len(rows) <= NEAR_BREACH_ROWS else qs.count()
    return [
        {
            "id": c.pk,
            "ticket_no": c.ticket_no,
            "customer": c.customer_id,
            "customer_name": c.customer.name,
            "category": c.category,
            "status": c.status,
            "assignee_name": c.assignee.display_name if c.assignee else None,
            "due": iso(c.next_due),
            "deadline": "contact" if c.acknowledged_at is None else "resolution",
        }
        for c in rows[:NEAR_BREACH_ROWS]
    ], count


# --- outages ---------------------------------------------------------------------------------


def outage_figures(f: DashboardFilter) -> dict:
    """Upcoming outages (this month: from now on; a past month: those that started in it)
    with their notice coverage over the customers in the filter (two queries)."""
    impacts_here = OutageImpact.objects.filter(
        _customers_q(f, "customer"), outage_id=OuterRef("pk"), removed_at__isnull=True
    )
    outages = PlannedOutage.objects.filter(Exists(impacts_here))
    if f.is_current:
        outages = outages.filter(status__in=UPCOMING_STATUSES, start__gt=timezone.now())
        order = ("start", "pk")
    else:
        outages = outages.filter(start__gte=f.start, start__lt=f.cutoff).exclude(
            status__in=[OutageStatus.DRAFT, OutageStatus.CANCELLED]
        )
        order = ("-start", "-pk")
    rows = list(outages.order_by(*order)[:OUTAGE_ROWS])
    coverage = _coverage([o.pk for o in rows], f)
    listed = [
        {
            "id": o.pk,
            "reference": o.reference,
            "kind": o.kind,
            "status": o.status,
            "reason": o.reason,
            "start": iso(o.start),
            "end": iso(o.end),
            "coverage": coverage[o.pk],
        }
        for o in rows
    ]
    return {
        "upcoming": listed,
        "important_unconfirmed": sum(coverage[o.pk]["important_unconfirmed"] for o in rows),
        "unreachable": sum(coverage[o.pk]["unreachable"] for o in rows),
    }


def _coverage(ids: list[int], f: DashboardFilter) -> dict[int, dict]:
    """Coverage per outage (outages.selectors.COVERAGE), over the filter's customers."""
    return coverage_by_outage(ids, customers=_customers_q(f, "customer"))


# --- managers --------------------------------------------------------------------------------


def manager_figures(f: DashboardFilter) -> list[dict]:
    """The managers of the filter with their month's indicators and stars, best first."""
    managers = list(
        performance.managers_for_period(f.period, region_id=f.region.pk if f.region else None)
        .filter(pk__in=visible_managers(f.user).values("pk"))
        .select_related("region")
        .order_by("name", "username")
    )
    figures = performance.manager_indicators([m.pk for m in managers], f.period, today=f.today)
    rows = [
        {
            "id": m.pk,
            "name": m.display_name,
            "employee_no": m.employee_no,
            "region": m.region.code if m.region else None,
            "is_active": m.is_active,
            "source": figures[m.pk].source,
            "indicators": figures[m.pk].as_dict(),
            "score": number(figures[m.pk].score),
            "stars": figures[m.pk].stars,
        }
        for m in managers
    ]
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["name"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


# --- everything ------------------------------------------------------------------------------


def connection_dashboard_figures(f: DashboardFilter) -> dict:
    """Connection-time indicators (获得电力) of the projects the user sees, energized in the
    twelve months to the period's end (connections.indicators)."""
    projects = Project.objects.visible_to(f.user)
    if f.region is not None:
        projects = projects.filter(region=f.region)
    start = summaries.day_start(moments.shift_months(f.period, -11))
    end = summaries.day_start(moments.shift_months(f.period, 1))
    return connection_figures(projects, start=start, end=end)


def _figures_cache_key(f: DashboardFilter, markers: dict) -> str:
    """Who sees what (everything, or this user's share), the region, the month, the day, the
    language, and when the month's money figures were refreshed: a refresh is a new key."""
    scope = "all" if sees_everything(f.user) else f"user{f.user.pk}"
    refreshed = "-".join(
        m.refreshed_at.isoformat() if m and m.refreshed_at else "none"
        for m in (markers.get(f.period), markers.get(f.previous))
    )
    region = f.region.pk if f.region else "all"
    return f"dashboard-figures:{scope}:{region}:{f.period}:{f.today}:{get_language()}:{refreshed}"


def dashboard_figures(f: DashboardFilter) -> dict:
    """Every figure of the dashboard for the filter (the page and the API show this).

    Kept in the cache for DASHBOARD_CACHE_SECONDS (0: not cached): fifty supervisors opening
    the dashboard within that time cost one computation. The summary markers are read first
    (one query) and are part of the key, so a refresh of the month's money figures (the job,
    or the page's refresh button) shows at once; complaints, outages and risk may lag by up to
    the TTL.
    """
    markers = summaries.ensure_portfolio_summaries([f.period, f.previous], today=f.today)
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return _dashboard_figures(f, markers)
    key = _figures_cache_key(f, markers)
    figures = cache.get(key)
    if figures is None:
        figures = _dashboard_figures(f, markers)
        cache.set(key, figures, seconds)
    return figures


def _dashboard_figures(f: DashboardFilter, markers: dict) -> dict:
    summary = read_summary(f, markers)
    risk, movement = risk_figures(f, summary)
    return {
        "region": f.region.code if f.region else None,
        "period": period_label(f.period),
        "as_of": iso(f.as_of),
        "arrears": arrears_figures(f, summary),
        "risk": risk,
        "risk_movement": movement,
        "complaints": complaint_figures(f),
        "outages": outage_figures(f),
        "connections": connection_dashboard_figures(f),
        "managers": manager_figures(f),
    }


def is_dashboard_user(user) -> bool:
    return POLICY.allows(user, "view")
