"""Pages of the arrears-risk scan: the supervisors' overview with "scan now" and its progress,
the high-risk customers list, and the customer 360 risk tab with the override form.

Views parse input, call risk.services and render; customers are looked up through
`visible_to(user)`, so another manager's customer is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from common.policy import allowed_to
from common.roles import Role, role_of
from customers.models import Customer, RiskLevel
from risk import overrides as risk_overrides
from risk import services as risk
from risk.forms import RiskOverrideForm
from risk.models import (
    ALERT_LEVELS,
    LEVEL_ORDER,
    RiskOverride,
    RiskScan,
    RiskScanTrigger,
    level_rank,
)
from risk.policy import POLICY
from risk.rules import RiskRules, describe_reason
from risk.selectors import (
    alert_customers,
    customer_history,
    latest_scan,
    level_distribution,
    movements,
    scan_risers,
)

PAGE_SIZE = 25
HISTORY_POINTS = 60


def _visible_customer(request, pk: int) -> Customer:
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)


def _reasons(reasons) -> list[dict]:
    return [
        {"text": describe_reason(r), "points": r.get("points"), "factor": r.get("factor")}
        for r in sorted(reasons or [], key=lambda r: -int(r.get("points") or 0))
    ]


# --- overview --------------------------------------------------------------------------------


def _chosen_scan(request) -> RiskScan | None:
    wanted = request.GET.get("scan", "")
    if wanted.isascii() and wanted.isdigit():
        found = RiskScan.objects.done().filter(pk=int(wanted)).first()
        if found is not None:
            return found
    return latest_scan()


@allowed_to(POLICY, "view")
@require_GET
def overview(request):
    """Supervisors: level distribution, movements of a scan, the scans and "scan now".
    Account managers go to their high-risk customers."""
    if not POLICY.allows(request.user, "view_overview"):
        return redirect("risk:customers")
    chosen = _chosen_scan(request)
    distribution = level_distribution(request.user)
    labels = dict(RiskLevel.choices)
    chart = [
        {"level": level, "label": str(labels[level]), "value": distribution[level]}
        for level in LEVEL_ORDER
    ]
    return render(
        request,
        "risk/overview.html",
        {
            "distribution": distribution,
            "chart": chart,
            "total": sum(distribution.values()),
            "chosen": chosen,
            "movements": [
                {
                    **m,
                    "up": level_rank(m["shown"]) > level_rank(m["previous_level"]),
                    "previous_label": labels.get(m["previous_level"], ""),
                    "shown_label": labels.get(m["shown"], ""),
                }
                for m in (movements(chosen, request.user) if chosen else [])
            ],
            "risers": [
                {
                    "assessment": a,
                    "label": labels.get(a.shown_level, ""),
                    "reasons": _reasons(a.reasons)[:2],
                }
                for a in (scan_risers(chosen, request.user) if chosen else [])
            ],
            "scans": list(RiskScan.objects.full().select_related("requested_by")[:10]),
            "active": RiskScan.objects.active().first(),
            "can_scan": POLICY.allows(request.user, "start_scan"),
        },
    )


@allowed_to(POLICY, "start_scan")
@require_POST
def scan_start(request):
    try:
        risk.request_risk_scan(acting_user=request.user, trigger=RiskScanTrigger.PAGE)
    except risk.ScanBusy:
        messages.warning(request, _("A risk scan is already under way; follow its progress below."))
    else:
        messages.success(request, _("The risk scan was started."))
    return redirect("risk:overview")


@allowed_to(POLICY, "view_overview")
@require_GET
def scan_progress(request, pk: int):
    """The progress of a scan (an htmx fragment polled while the scan is under way). When a
    polled scan finishes, the page reloads to show its results."""
    scan = get_object_or_404(RiskScan, pk=pk)
    response = render(request, "risk/partials/progress.html", {"scan": scan})
    if request.headers.get("HX-Request") and not scan.is_active:
        response["HX-Refresh"] = "true"
    return response


# --- high-risk customers ---------------------------------------------------------------------


@allowed_to(POLICY, "view")
@require_GET
def customers(request):
    """The visible customers showing high or critical risk, worst first."""
    level = request.GET.get("level", "")
    rows = alert_customers(request.user)
    if level in ALERT_LEVELS:
        rows = rows.filter(risk_level=level)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "risk/customer_list.html",
        {
            "page_obj": page,
            "rows": [{"customer": c, "reasons": _reasons(c.latest_reasons)[:3]} for c in page],
            "level": level,
            "levels": [(lvl, label) for lvl, label in RiskLevel.choices if lvl in ALERT_LEVELS],
            "is_manager": role_of(request.user) == Role.ACCOUNT_MANAGER,
        },
    )


# --- the customer 360 tab --------------------------------------------------------------------


def _tab_context(request, customer: Customer, form: RiskOverrideForm | None = None) -> dict:
    history = list(customer_history(customer, limit=HISTORY_POINTS))
    overrides = list(
        RiskOverride.objects.filter(customer=customer)
        .select_related("set_by", "ended_by")
        .order_by("-created_at", "-pk")[:20]
    )
    now = timezone.now()
    in_force = next((o for o in overrides if o.is_in_force(now)), None)
    can_override = POLICY.allows(request.user, "override")
    latest = history[0] if history else None
    return {
        "customer": customer,
        "latest": latest,
        "reasons": _reasons(latest.reasons) if latest else [],
        "history": history[:12],
        "chart": [
            {
                "at": timezone.localtime(a.scanned_at).strftime("%Y-%m-%d %H:%M"),
                "score": a.score,
                "level": a.shown_level,
            }
            for a in reversed(history)
        ],
        "thresholds": {
            level: {"at": at, "label": str(dict(RiskLevel.choices)[level])}
            for level, at in RiskRules.from_settings().thresholds.items()
        },
        "override": in_force,
        "overrides": overrides,
        "form": (form or RiskOverrideForm()) if can_override else None,
    }


@allowed_to(POLICY, "view")
@require_GET
def customer_risk_tab(request, pk: int):
    """The risk tab of the customer 360 page (an HTML fragment)."""
    customer = _visible_customer(request, pk)
    return render(request, "risk/partials/customer_tab.html", _tab_context(request, customer))


def _after_change(request, customer: Customer, message: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        messages.success(request, message)
        return render(request, "risk/partials/customer_tab.html", _tab_context(request, customer))
    messages.success(request, message)
    return redirect(customer)


@allowed_to(POLICY, "override")
@require_POST
def customer_override(request, pk: int):
    customer = _visible_customer(request, pk)
    form = RiskOverrideForm(request.POST)
    if form.is_valid():
        try:
            risk_overrides.set_risk_override(
                customer, acting_user=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.attach(error)
        else:
            return _after_change(request, customer, _("The risk level is overridden."))
    if not request.headers.get("HX-Request"):
        # (an ErrorList yields its messages as str; the stubs say ValidationError | str)
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(customer)
    return render(request, "risk/partials/customer_tab.html", _tab_context(request, customer, form))


@allowed_to(POLICY, "override")
@require_POST
def customer_override_end(request, pk: int):
    customer = _visible_customer(request, pk)
    try:
        risk_overrides.end_risk_override(customer, acting_user=request.user)
    except DomainError as error:
        messages.warning(request, str(error.message))
        if request.headers.get("HX-Request"):
            return customer_risk_tab(request, pk)
        return redirect(customer)
    return _after_change(request, customer, _("The override ended; the computed level shows."))
