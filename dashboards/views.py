"""Pages of the supervisors' dashboard and of managers' performance, and their exports.

The figures come from dashboards.selectors and dashboards.performance, the same
functions the API answers with; views only parse the filter, render, and export.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from billing.selectors import AGING_BUCKETS, AGING_LABELS
from common import moments, tabular
from common.errors import DomainError
from common.moments import period_label
from common.policy import allowed_to
from complaints.models import Category, Status
from customers.models import RiskLevel
from customers.portfolios import visible_managers
from dashboards import performance
from dashboards import selectors as dashboard
from dashboards.forms import DashboardFilterForm, PeriodForm, SnapshotForm
from dashboards.policy import POLICY
from outages.models import OutageKind, OutageStatus


def link(url_name: str, *args, **query) -> str | None:
    """The URL of another part's page with a query, or None when that page does not exist."""
    try:
        url = reverse(url_name, args=args)
    except NoReverseMatch:
        return None
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _filter(request):
    """The dashboard filter from the query string: (form, DashboardFilter or None)."""
    form = DashboardFilterForm(
        request.GET or None,
        user=request.user,
        initial={"period": period_label(moments.current_period())},
    )
    if request.GET and not form.is_valid():
        return form, None
    params = form.cleaned_data if request.GET else {}
    figures_filter = dashboard.DashboardFilter(
        user=request.user,
        region=dashboard.parse_filter(request.user, {"region": params.get("region") or ""}).region,
        period=params.get("period") or moments.current_period(),
        today=timezone.localdate(),
    )
    return form, figures_filter


# --- tables (the page's tables and their CSV/Excel exports) ----------------------------------


@dataclass
class Table:
    title: str
    header: list
    rows: list


def _money(value) -> Decimal:
    return Decimal(value)


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def dashboard_tables(figures: dict) -> dict[str, Table]:
    arrears, complaints = figures["arrears"], figures["complaints"]
    risk_labels = dict(RiskLevel.choices)
    status_labels = dict(Status.choices)
    outage_status = dict(OutageStatus.choices)
    return {
        "aging": Table(
            _("Arrears by age"),
            [_("Days past due"), _("Amount (¥)")],
            [[AGING_LABELS[k], _money(arrears["aging"][k])] for k, _f, _l in AGING_BUCKETS]
            + [[_("Total"), _money(arrears["total"])]],
        ),
        "top_debtors": Table(
            _("Top debtors"),
            [
                _("Account no."),
                _("Customer"),
                _("Manager"),
                _("Overdue (¥)"),
                _("Oldest due date"),
                _("Days past due"),
            ],
            [
                [
                    d["account_no"],
                    d["name"],
                    d["manager_name"] or "",
                    _money(d["overdue"]),
                    d["oldest_due_date"],
                    d["days_past_due"],
                ]
                for d in arrears["top_debtors"]
            ],
        ),
        "risk": Table(
            _("Customers by risk level"),
            [_("Risk level"), _("Customers")],
            [[risk_labels[level], n] for level, n in figures["risk"].items()],
        ),
        "risk_movement": Table(
            _("Risk movement since the last scan"),
            [_("From"), _("To"), _("Customers")],
            [
                [risk_labels.get(c["from"], _("Not scanned")), risk_labels[c["to"]], c["customers"]]
                for c in figures["risk_movement"]["changes"]
            ],
        ),
        "complaints": Table(
            _("Open complaints by status"),
            [_("Status"), _("Complaints")],
            [[status_labels[s], n] for s, n in complaints["open"].items()],
        ),
        "near_breach": Table(
            _("Complaints near breach"),
            [_("Ticket"), _("Customer"), _("Category"), _("Assignee"), _("Deadline"), _("Due")],
            [
                [
                    c["ticket_no"],
                    c["customer_name"],
                    dict(Category.choices).get(c["category"]),
                    c["assignee_name"] or "",
                    pgettext("deadline", "Contact")
                    if c["deadline"] == "contact"
                    else pgettext("deadline", "Resolution"),
                    c["due"],
                ]
                for c in complaints["near_breach"]
            ],
        ),
        "outages": Table(
            _("Upcoming outages and notice coverage"),
            [
                _("Reference"),
                _("Kind"),
                _("Status"),
                _("Start"),
                _("End"),
                _("Affected"),
                _("Notified"),
                _("Delivered"),
                _("Confirmed"),
                _("Unreachable"),
                _("Important, unconfirmed"),
            ],
            [
                [
                    o["reference"],
                    dict(OutageKind.choices).get(o["kind"]),
                    outage_status.get(o["status"]),
                    o["start"],
                    o["end"],
                    *(
                        o["coverage"][k]
                        for k in (
                            "affected",
                            "notified",
                            "delivered",
                            "confirmed",
                            "unreachable",
                            "important_unconfirmed",
                        )
                    ),
                ]
                for o in figures["outages"]["upcoming"]
            ],
        ),
        "managers": league_table(figures["managers"]),
    }


def league_table(rows: list[dict]) -> Table:
    return Table(
        _("Managers' performance"),
        [
            _("Manager"),
            _("Employee no."),
            _("Customers"),
            _("Collection rate"),
            _("Amount overdue (¥)"),
            _("High-risk customers"),
            _("Complaints resolved"),
            _("Resolved within deadline"),
            _("Visits planned"),
            _("Visits done"),
            _("Average satisfaction"),
            _("Score"),
            _("Stars"),
        ],
        [
            [
                r["name"],
                r["employee_no"],
                r["indicators"]["portfolio_customers"],
                _percent(r["indicators"]["collection_rate"]),
                _money(r["indicators"]["amount_overdue"]),
                r["indicators"]["high_risk_customers"],
                r["indicators"]["complaints_resolved"],
                r["indicators"]["complaints_resolved_in_time"],
                r["indicators"]["visits_planned"],
                r["indicators"]["visits_done"],
                r["indicators"]["satisfaction"],
                r["score"],
                r["stars"],
            ]
            for r in rows
        ],
    )


def trend_table(name: str, trend: list) -> Table:
    return Table(
        _("%(name)s: the last 12 months") % {"name": name},
        [
            _("Month"),
            _("Source"),
            _("Collection rate"),
            _("Amount overdue (¥)"),
            _("High-risk customers"),
            _("Resolved within deadline"),
            _("Visits done"),
            _("Visits planned"),
            _("Average satisfaction"),
            _("Score"),
            _("Stars"),
        ],
        [
            [
                period_label(period),
                *(
                    [
                        _source_label(ind.source),
                        _percent(ind.collection_rate),
                        _money(ind.amount_overdue),
                        ind.high_risk_customers,
                        ind.complaints_resolved_in_time,
                        ind.visits_done,
                        ind.visits_planned,
                        ind.satisfaction,
                        ind.score,
                        ind.stars,
                    ]
                    if ind
                    else [_("No snapshot"), *[None] * 9]
                ),
            ]
            for period, ind in trend
        ],
    )


def _source_label(source: str) -> str:
    return {
        "live": _("Live"),
        "snapshot": _("Snapshot"),
        "computed": _("Computed now (no snapshot)"),
    }[source]


def export_response(table: Table, filename: str, fmt: str) -> HttpResponse:
    """The table as a CSV (UTF-8 with BOM, so Excel reads the Chinese) or an Excel file."""
    return tabular.export_response(
        fmt, filename=filename, title=table.title, header=table.header, rows=table.rows
    )


# --- the dashboard ---------------------------------------------------------------------------


def _links(figures: dict, f) -> dict:
    region = f.region.pk if f.region else None
    return {
        "arrears": link("billing:arrears", region=region),
        "aging": {
            k: link("billing:arrears", region=region, aging=k) for k, _f, _l in AGING_BUCKETS
        },
        "risk": {
            level: link("customers:list", risk=level, region=region) for level in figures["risk"]
        },
        "risk_overview": link("risk:overview"),
        "complaints_open": link("complaints:list", status="open"),
        "complaints_status": {
            s: link("complaints:list", status=s) for s in figures["complaints"]["open"]
        },
        "complaints_breached": link("complaints:list", breached="yes"),
        "complaints_repeat": link("complaints:list", repeat="yes"),
        "complaints_deadline": link("complaints:list", status="open", sort="deadline"),
        "outages": link("outages:list"),
        "league": link(
            "dashboards:league",
            **{"region": f.region.code if f.region else "", "period": figures["period"]},
        ),
    }


# The dashboard page shows the best and the lowest rated managers; the league table all.
PAGE_MANAGERS = 10


def shown_managers(rows: list[dict]) -> list[dict]:
    """The best and the lowest rated managers (all of them when there are few)."""
    if len(rows) <= 2 * PAGE_MANAGERS:
        return rows
    return rows[:PAGE_MANAGERS] + rows[-PAGE_MANAGERS:]


def _charts(figures: dict) -> dict:
    """The data of the page's charts, with their labels in the user's language."""
    arrears = figures["arrears"]
    return {
        "aging": {
            "labels": [str(AGING_LABELS[k]) for k, _f, _l in AGING_BUCKETS],
            "values": [float(arrears["aging"][k]) for k, _f, _l in AGING_BUCKETS],
            "name": _("Amount (¥)"),
        },
        "collection": {
            "labels": [_("Last month"), _("This month")],
            "values": [
                None
                if arrears["collection_rate_previous"] is None
                else round(arrears["collection_rate_previous"] * 100, 2),
                None
                if arrears["collection_rate"] is None
                else round(arrears["collection_rate"] * 100, 2),
            ],
            "name": _("Collection rate (%)"),
        },
        "risk": {
            "labels": [str(dict(RiskLevel.choices)[k]) for k in figures["risk"]],
            "values": list(figures["risk"].values()),
            "name": _("Customers"),
        },
        "complaints": {
            "labels": [str(dict(Status.choices)[s]) for s in figures["complaints"]["open"]],
            "values": list(figures["complaints"]["open"].values()),
            "name": _("Open complaints"),
        },
        "coverage": {
            "labels": [o["reference"] for o in figures["outages"]["upcoming"]],
            "series": [
                {
                    "name": str(label),
                    "values": [o["coverage"][key] for o in figures["outages"]["upcoming"]],
                }
                for key, label in (
                    ("affected", _("Affected")),
                    ("notified", _("Notified")),
                    ("delivered", _("Delivered")),
                    ("confirmed", _("Confirmed")),
                )
            ],
        },
        "managers": {
            "labels": [m["name"] for m in shown_managers(figures["managers"])],
            "values": [m["score"] for m in shown_managers(figures["managers"])],
            "name": _("Score"),
        },
    }


@allowed_to(POLICY, "view")
@require_GET
def index(request):
    form, f = _filter(request)
    if f is None:
        return render(request, "dashboards/dashboard.html", {"form": form}, status=400)
    figures = dashboard.dashboard_figures(f)
    query = urlencode({"region": f.region.code if f.region else "", "period": figures["period"]})
    links = _links(figures, f)
    risk_labels = dict(RiskLevel.choices)
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "form": form,
            "figures": figures,
            "filter": f,
            "links": links,
            "charts": _charts(figures),
            "query": query,
            "aging_rows": [
                {
                    "key": k,
                    "label": AGING_LABELS[k],
                    "amount": figures["arrears"]["aging"][k],
                    "url": links["aging"][k],
                }
                for k, _f, _l in AGING_BUCKETS
            ],
            "risk_rows": [
                {
                    "level": level,
                    "label": risk_labels[level],
                    "count": n,
                    "url": links["risk"][level],
                }
                for level, n in figures["risk"].items()
            ],
            "can_refresh": POLICY.allows(request.user, "refresh"),
            "period": figures["period"],
            "managers": shown_managers(figures["managers"]),
        },
    )


@allowed_to(POLICY, "view")
@require_GET
def export(request, table: str, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form, f = _filter(request)
    if f is None:
        return HttpResponse(
            " ".join(str(e) for errors in form.errors.values() for e in errors), status=400
        )
    if table == "league":
        chosen = league_table(dashboard.manager_figures(f))
    else:
        tables = dashboard_tables(dashboard.dashboard_figures(f))
        if table not in tables:
            raise Http404
        chosen = tables[table]
    name = f"{table}-{f.region.code if f.region else 'all'}-{period_label(f.period)}"
    return export_response(chosen, name, fmt)


@allowed_to(POLICY, "refresh")
@require_POST
def refresh(request):
    """Recompute the month's money figures now (in the background)."""
    _form, f = _filter(request)
    period = f.period if f else moments.current_period()
    # Through the outbox: with the broker down the page still answers, and the job runs later.
    performance.request_summary_refresh(period, acting_user=request.user)
    messages.info(request, _("The figures are being refreshed; reload the page in a moment."))
    return redirect(reverse("dashboards:index") + "?" + request.GET.urlencode())


# --- managers' performance -------------------------------------------------------------------


@allowed_to(POLICY, "view")
@require_GET
def league(request):
    form, f = _filter(request)
    if f is None:
        return render(request, "dashboards/league.html", {"form": form}, status=400)
    rows = dashboard.manager_figures(f)
    return render(
        request,
        "dashboards/league.html",
        {
            "form": form,
            "filter": f,
            "rows": rows,
            "period": period_label(f.period),
            "query": urlencode(
                {
                    "region": f.region.code if f.region else "",
                    "period": period_label(f.period),
                }
            ),
            "charts": {
                "scores": {
                    "labels": [r["name"] for r in rows],
                    "values": [r["score"] for r in rows],
                    "name": _("Score"),
                }
            },
            "can_snapshot": POLICY.allows(request.user, "take_snapshot")
            and f.period < moments.current_period(),
            "snapshot_form": SnapshotForm(initial={"period": period_label(f.period)}),
        },
    )


@allowed_to(POLICY, "take_snapshot")
@require_POST
def snapshot(request):
    form = SnapshotForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("dashboards:league")
    period = form.cleaned_data["period"]
    try:
        created = performance.snapshot_performance(period, acting_user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(n)d snapshots taken for %(month)s.")
            % {"n": created, "month": period_label(period)},
        )
    return redirect(link("dashboards:league", period=period_label(period)))


def _visible_manager(request, pk: int):
    if not POLICY.allows(request.user, "view_performance"):
        raise PermissionDenied
    return get_object_or_404(visible_managers(request.user).select_related("region"), pk=pk)


@require_GET
def manager_performance(request, pk: int):
    manager = _visible_manager(request, pk)
    form = PeriodForm(request.GET or {"period": period_label(moments.current_period())})
    if not form.is_valid():
        return render(
            request, "dashboards/manager.html", {"form": form, "manager": manager}, status=400
        )
    period = form.cleaned_data["period"]
    trend = performance.performance_trend(manager, end=period)
    chosen = trend[-1][1]
    if chosen is None:
        chosen = performance.manager_indicators([manager.pk], period)[manager.pk]
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        return export_response(
            trend_table(manager.display_name, trend),
            f"performance-{manager.employee_no or manager.pk}",
            fmt,
        )
    return render(
        request,
        "dashboards/manager.html",
        {
            "form": form,
            "manager": manager,
            "period": period_label(period),
            "indicators": chosen,
            "figures": chosen.as_dict(),
            "connections": performance.connection_performance(manager.pk, period),
            "source_label": _source_label(chosen.source),
            "trend": trend,
            "chart": True,
            "charts": {
                "trend": {
                    "labels": [period_label(p) for p, _i in trend],
                    "rate": [
                        None
                        if i is None or i.collection_rate is None
                        else round(float(i.collection_rate) * 100, 2)
                        for _p, i in trend
                    ],
                    "score": [
                        None if i is None or i.score is None else float(i.score) for _p, i in trend
                    ],
                    "rate_name": _("Collection rate (%)"),
                    "score_name": _("Score"),
                }
            },
            "export_query": urlencode({"period": period_label(period)}),
        },
    )
