"""Pages of supply quality: the customer 360 tab (供电质量), the supervisors' overview (worst
served customers and feeders, open episodes, late restorations, exposed important customers),
a feeder's page, the uploads, the exports, the dashboard panel and the complaint panel.

Views parse input, call supply's selectors and services and render; customers are looked up
through `visible_to(user)`, so another manager's customer is a 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError
from common.policy import allowed_to
from common.tablefiles import FileProblem
from common.tabular import FORMATS, export_response
from complaints.models import Category, Complaint
from customers.models import Customer, SupplyPoint
from customers.querysets import whole_regions_seen
from grid.models import Feeder
from supply import alerts, files, selectors, services
from supply.forms import LinkForm, UploadForm
from supply.models import ComplaintLink, Interruption, MonitoringPoint, VoltageReading
from supply.policy import POLICY

PAGE_SIZE = 25
WORST = 10
COMPLAINT_WINDOW = dt.timedelta(days=3)


def _visible_customer(request, pk: int) -> Customer:
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)


def _chart(rows) -> list[dict]:
    return [
        {
            "month": row.key,
            "minutes_off": round(row.minutes_off),
            "planned": row.planned,
            "fault": row.fault,
            "pass_rate": None
            if row.voltage_pass_rate is None
            else round(100 * row.voltage_pass_rate, 2),
        }
        for row in rows
    ]


# --- the customer 360 tab --------------------------------------------------------------------


@allowed_to(POLICY, "view")
@require_GET
def customer_tab(request, pk: int):
    """The supply-quality tab of the customer 360 page (an HTML fragment)."""
    customer = _visible_customer(request, pk)
    report = selectors.customer_report(customer, months=12)
    since = report.monthly[0].start
    month = timezone.localdate().replace(day=1)
    context = {
        "customer": customer,
        "report": report,
        "chart": _chart(report.monthly),
        "interruptions": list(selectors.customer_interruptions(customer, since=since)[:50]),
        "points": selectors.point_month_rows(
            MonitoringPoint.objects.filter(customer=customer), month
        ),
        "month": month,
        "episodes": alerts.open_episodes_for(request.user).filter(customer=customer),
        "formats": FORMATS,
    }
    return render(request, "supply/partials/customer_tab.html", context)


@allowed_to(POLICY, "view")
@require_GET
def customer_export(request, pk: int, fmt: str):
    """The customer's interruptions of the last 12 months as CSV or Excel."""
    if fmt not in FORMATS:
        raise Http404
    customer = _visible_customer(request, pk)
    since = timezone.now() - dt.timedelta(days=366)
    rows = selectors.customer_interruptions(customer, since=since)
    return export_response(
        fmt,
        filename=f"interruptions-{customer.account_no}",
        title=_("Interruptions"),
        header=_interruption_header(),
        rows=(_interruption_row(i) for i in rows),
    )


def _interruption_header() -> list[str]:
    return [
        _("Source reference"),
        _("Feeder"),
        _("Start"),
        _("End"),
        _("Minutes"),
        _("Planned"),
        _("Cause"),
        _("Cause cleared at"),
    ]


def _interruption_row(i: Interruption) -> list:
    return [
        i.source_ref,
        i.feeder.code,
        i.start,
        i.end,
        i.minutes,
        _("Yes") if i.planned else _("No"),
        i.cause,
        i.cause_cleared_at,
    ]


# --- overview, feeders, late restorations -----------------------------------------------------


def _visible_customer_ids(user) -> list[int] | None:
    """None when the user sees every customer; else the ids (one query)."""
    if whole_regions_seen(user) is None:
        return None
    return list(Customer.objects.visible_to(user).values_list("pk", flat=True))


def _with_complaints(feeders, ids: list[int] | None, *, since) -> dict[int, Feeder]:
    """{pk: feeder} annotated with `complaints`: the power-quality and outage complaints of
    its customers (of `ids`, None: all) received since `since` (one query)."""
    condition = Q(
        supply_points__customer__complaints__category__in=[Category.POWER_QUALITY, Category.OUTAGE],
        supply_points__customer__complaints__received_at__gte=since,
    )
    if ids is not None:
        condition &= Q(supply_points__customer_id__in=ids)
    counted = feeders.annotate(
        complaints=Count("supply_points__customer__complaints", filter=condition, distinct=True)
    )
    return {feeder.pk: feeder for feeder in counted}


def worst_served(ids: list[int] | None, *, now=None) -> dict:
    """The worst-served customers and feeders over 12 months (minutes off) among the
    customers `ids` (None: all)."""
    now = now or timezone.now()
    period = selectors.month_periods(12, now=now)
    total = selectors.Period("total", period[0].start, now)
    by_customer = selectors.interruption_figures([total], customer_ids=ids, now=now)
    top = sorted(by_customer.items(), key=lambda kv: -kv[1].minutes_off)[:WORST]
    names = Customer.objects.in_bulk([cid for (cid, _k), _f in top])
    feeder_ids = (
        None
        if ids is None
        else SupplyPoint.objects.filter(customer_id__in=ids).values_list("feeder_id", flat=True)
    )
    by_feeder = selectors.interruption_figures(
        [total], feeder_ids=None if feeder_ids is None else list(set(feeder_ids)), per="feeder",
        now=now,
    )  # fmt: skip
    top_feeders = sorted(by_feeder.items(), key=lambda kv: -kv[1].minutes_off)[:WORST]
    feeders = _with_complaints(
        Feeder.objects.filter(pk__in=[fid for (fid, _k), _f in top_feeders]), ids, since=total.start
    )
    return {
        "customers": [{"customer": names[cid], "figures": f} for (cid, _k), f in top],
        "feeders": [{"feeder": feeders[fid], "figures": f} for (fid, _k), f in top_feeders],
    }


@allowed_to(POLICY, "view_oversight")
@require_GET
def overview(request):
    worst = worst_served(_visible_customer_ids(request.user))
    late = selectors.late_restorations(Interruption.objects.visible_to(request.user))
    context = {
        **worst,
        "episodes": alerts.open_episodes_for(request.user)[:50],
        "late_count": late.count(),
        "exposed": selectors.exposed_important_customers(request.user)[:50],
        "may_import": POLICY.allows(request.user, "import"),
    }
    return render(request, "supply/overview.html", context)


@allowed_to(POLICY, "view_oversight")
@require_GET
def late_restorations(request):
    rows = selectors.late_restorations(Interruption.objects.visible_to(request.user))
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return export_response(
            fmt,
            filename="late-restorations",
            title=_("Late restorations"),
            header=[*_interruption_header(), _("Customer")],
            rows=([*_interruption_row(i), i.customer.name if i.customer else ""] for i in rows),
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "rows": page.object_list, "formats": FORMATS}
    return render(request, "supply/late_restorations.html", context)


def _visible_feeder(request, pk: int) -> Feeder:
    feeder = get_object_or_404(Feeder.objects.select_related("substation"), pk=pk)
    if _visible_customer_ids(request.user) is None:
        return feeder
    seen = SupplyPoint.objects.filter(
        feeder=feeder, customer__in=Customer.objects.visible_to(request.user)
    )
    if not seen.exists():
        raise Http404
    return feeder


@allowed_to(POLICY, "view")
@require_GET
def feeder_page(request, pk: int):
    """A feeder: its figures per month, its interruptions, the customers on it (within
    scope) and the power-quality and outage complaints of those customers."""
    feeder = _visible_feeder(request, pk)
    periods = selectors.month_periods(12)
    figures = selectors.interruption_figures(periods, feeder_ids=[feeder.pk], per="feeder")
    monthly = [
        figures.get((feeder.pk, p.key)) or selectors.Figures(p.key, p.start, p.end) for p in periods
    ]
    voltage = selectors.voltage_by_month(
        periods[0].start.date(),
        timezone.localdate(),
        feeder_ids=[feeder.pk],
        by="point__supply_point__feeder_id",
    )
    for row in monthly:
        row.voltage_monitored, row.voltage_outside = voltage.get((feeder.pk, row.key), (0, 0))
    customers = Customer.objects.visible_to(request.user).filter(supply_points__feeder=feeder)
    complaints = (
        Complaint.objects.visible_to(request.user)
        .filter(customer__in=customers, received_at__gte=periods[0].start)
        .filter(category__in=[Category.POWER_QUALITY, Category.OUTAGE])
        .select_related("customer")
        .order_by("-received_at")
    )
    context = {
        "feeder": feeder,
        "monthly": monthly,
        "chart": _chart(monthly),
        "interruptions": feeder.interruptions.filter(start__gte=periods[0].start)
        .select_related("customer")
        .order_by("-start")[:100],
        "customers": customers.order_by("name")[:200],
        "complaints": complaints[:100],
    }
    return render(request, "supply/feeder.html", context)


# --- uploads ---------------------------------------------------------------------------------

IMPORTS = {
    "interruptions": (services.import_interruptions, "Interruptions"),
    "readings": (services.import_readings, "Daily voltage readings"),
}


@allowed_to(POLICY, "import")
@require_http_methods(["GET", "POST"])
def upload(request, kind: str):
    """Upload a CSV or Excel file of interruptions or readings: all-or-nothing unless the
    box is ticked, the problems listed per row."""
    if kind not in IMPORTS:
        raise Http404
    service, _title = IMPORTS[kind]
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    check_only = "check" in request.POST
    if request.method == "POST" and form.is_valid():
        try:
            rows, numbers = files.read_upload(form.cleaned_data["file"], kind)
            result = service(
                rows,
                numbers=numbers,
                partial=form.cleaned_data["partial"],
                dry_run=check_only,
                acting_user=request.user,
            )
        except (FileProblem, DomainError) as problem:
            form.add_error("file", str(getattr(problem, "message", problem)))
        if result is not None and result.committed:
            messages.success(request, _("The file is imported."))
        elif result is None or result.errors:
            status = 400
    elif request.method == "POST":
        status = 400
    context = {"form": form, "kind": kind, "result": result, "check_only": check_only}
    return render(request, "supply/upload.html", context, status=status)


# --- the complaint panel -----------------------------------------------------------------------


def _visible_complaint(request, pk: int) -> Complaint:
    return get_object_or_404(
        Complaint.objects.visible_to(request.user).select_related("customer"), pk=pk
    )


def _panel_context(request, complaint: Complaint, form=None) -> dict:
    around = (complaint.received_at - COMPLAINT_WINDOW, complaint.received_at + COMPLAINT_WINDOW)
    interruptions = selectors.customer_interruptions(complaint.customer, since=around[0]).filter(
        start__lte=around[1]
    )
    linked = set(complaint.supply_links.values_list("interruption_id", flat=True))
    points = MonitoringPoint.objects.filter(customer=complaint.customer)
    readings = (
        VoltageReading.objects.filter(
            point__in=points, day__gte=around[0].date(), day__lte=around[1].date()
        )
        .select_related("point")
        .order_by("day", "point__code")
    )
    return {
        "complaint": complaint,
        "interruptions": interruptions,
        "linked": linked,
        "links": complaint.supply_links.select_related("interruption__feeder"),
        "readings": readings,
        "may_link": POLICY.allows(request.user, "link_complaint"),
        "form": form,
    }


@allowed_to(POLICY, "view")
@require_GET
def complaint_panel(request, pk: int):
    complaint = _visible_complaint(request, pk)
    return render(
        request, "supply/partials/complaint_panel.html", _panel_context(request, complaint)
    )


@allowed_to(POLICY, "link_complaint")
@require_POST
def complaint_link(request, pk: int):
    complaint = _visible_complaint(request, pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        interruption = (
            Interruption.objects.visible_to(request.user)
            .filter(pk=form.cleaned_data["interruption"])
            .first()
        )
        if interruption is None:
            form.add_error("interruption", _("No interruption you can reach has this id."))
        else:
            try:
                services.link_complaint(
                    complaint, interruption=interruption, acting_user=request.user
                )
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("The complaint is linked to the interruption."))
                return redirect("complaints:detail", pk=complaint.pk)
    context = _panel_context(request, complaint, form)
    return render(request, "supply/partials/complaint_panel.html", context, status=400)


@allowed_to(POLICY, "link_complaint")
@require_POST
def complaint_unlink(request, pk: int, link_pk: int):
    complaint = _visible_complaint(request, pk)
    link = get_object_or_404(ComplaintLink, pk=link_pk, complaint=complaint)
    services.unlink_complaint(link, acting_user=request.user)
    messages.success(request, _("The link is removed."))
    return redirect("complaints:detail", pk=complaint.pk)


# --- the dashboard panel -----------------------------------------------------------------------


@allowed_to(POLICY, "view_oversight")
@require_GET
def dashboard_panel(request):
    """Worst-served key accounts and feeders, and the monthly trend (an HTML fragment for the
    supervisors' dashboard)."""
    ids = _visible_customer_ids(request.user)
    region = request.GET.get("region") or ""
    if region:
        ids = list(
            Customer.objects.visible_to(request.user)
            .filter(region__code=region)
            .values_list("pk", flat=True)
        )
    periods = selectors.month_periods(12)
    by_customer = selectors.interruption_figures(periods, customer_ids=ids)
    trend = []
    for period in periods:
        rows = [f for (_cid, key), f in by_customer.items() if key == period.key]
        trend.append(
            {
                "month": period.key,
                "customers": len(rows),
                "minutes_off": round(sum(f.minutes_off for f in rows)),
                "fault": sum(f.fault for f in rows),
                "planned": sum(f.planned for f in rows),
            }
        )
    context = {**worst_served(ids), "trend": trend}
    return render(request, "supply/partials/dashboard_panel.html", context)
