"""Pages of the outages part. Views parse input, call outages.services and render."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.http import AuthenticatedHttpRequest
from common.roles import role_of
from customers.models import Customer
from outages import confirmations, notices, selectors, services
from outages import impacts as outage_impacts
from outages.exports import export_response
from outages.forms import (
    ApproveForm,
    CancelForm,
    ConfirmCallForm,
    CoverageFilterForm,
    OutageFilterForm,
    OutageForm,
    RescheduleForm,
)
from outages.models import (
    ACTION_LABELS,
    IMPACT_STATUSES,
    USER_ACTIONS,
    Notification,
    NotificationKind,
    NotificationStatus,
    OutageImpact,
    OutageStatus,
    PlannedOutage,
)
from outages.policy import actions_for, may

PAGE_SIZE = 50


def _visible_outage(request: AuthenticatedHttpRequest, pk: int) -> PlannedOutage:
    return get_object_or_404(
        PlannedOutage.objects.visible_to(request.user).prefetch_related("feeders__substation"),
        pk=pk,
    )


def _require_role(request: AuthenticatedHttpRequest) -> None:
    if role_of(request.user) is None:
        raise PermissionDenied


# --- list and calendar ----------------------------------------------------------------------


def outage_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_role(request)
    form = OutageFilterForm(request.GET or None)
    qs = PlannedOutage.objects.visible_to(request.user).prefetch_related("feeders")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(
                Q(reference__icontains=data["q"])
                | Q(reason__icontains=data["q"])
                | Q(area__icontains=data["q"])
            )
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["start_from"]:
            qs = qs.filter(start__date__gte=data["start_from"])
        if data["start_to"]:
            qs = qs.filter(start__date__lte=data["start_to"])
    page = Paginator(qs.order_by("-start", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    coverage = selectors.coverage_by_outage(list(page.object_list), request.user)
    rows = [{"outage": o, "coverage": coverage.get(o.pk)} for o in page.object_list]
    return render(
        request,
        "outages/outage_list.html",
        {
            "form": form,
            "page_obj": page,
            "rows": rows,
            "can_create": may(request.user, "create"),
        },
    )


def _month(value: str | None) -> dt.date:
    today = timezone.localdate()
    if value:
        try:
            year, month = (int(part) for part in value.split("-", 1))
            return dt.date(year, month, 1)
        except ValueError:
            pass
    return today.replace(day=1)


def outage_calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_role(request)
    first = _month(request.GET.get("month"))
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(weeks[0][0], dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(weeks[-1][-1] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    outages = list(
        PlannedOutage.objects.visible_to(request.user)
        .filter(start__lt=hi, end__gt=lo)
        .exclude(status=OutageStatus.CANCELLED)
        .order_by("start")
    )
    days: dict[dt.date, list[PlannedOutage]] = {}
    for outage in outages:
        day = max(timezone.localtime(outage.start).date(), weeks[0][0])
        last = min(timezone.localtime(outage.end).date(), weeks[-1][-1])
        while day <= last:
            days.setdefault(day, []).append(outage)
            day += dt.timedelta(days=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "outages/outage_calendar.html",
        {
            "month": first,
            "previous": previous,
            "following": following,
            "weeks": [
                [
                    {
                        "date": d,
                        "outages": days.get(d, []),
                        "in_month": d.month == first.month,
                        "today": d == timezone.localdate(),
                    }
                    for d in week
                ]
                for week in weeks
            ],
        },
    )


# --- create and edit ------------------------------------------------------------------------


def outage_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not may(request.user, "create"):
        raise PermissionDenied
    form = OutageForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outage = services.create_outage(
                acting_user=request.user,
                kind=data["kind"],
                reason=data["reason"],
                area=data["area"],
                feeders=list(data["feeders"]),
                start=data["start"],
                end=data["end"],
                override_reason=data["override_reason"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Outage %(ref)s entered.") % {"ref": outage.reference})
            return redirect(outage)
    return render(request, "outages/outage_form.html", {"form": form, "outage": None})


def outage_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    outage = _visible_outage(request, pk)
    if not may(request.user, "edit") or not outage.can("edit"):
        raise PermissionDenied
    form = OutageForm(
        request.POST or None,
        instance=outage,
        user=request.user,
        initial={"start": timezone.localtime(outage.start), "end": timezone.localtime(outage.end)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in ("kind", "reason", "area", "override_reason")}
        try:
            services.update_outage(
                outage,
                acting_user=request.user,
                feeders=list(data["feeders"]),
                start=None if outage.status in IMPACT_STATUSES else data["start"],
                end=None if outage.status in IMPACT_STATUSES else data["end"],
                **fields,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Outage %(ref)s saved.") % {"ref": outage.reference})
            return redirect(outage)
    return render(request, "outages/outage_form.html", {"form": form, "outage": outage})


# --- the outage page ------------------------------------------------------------------------


def _progress_context(outage: PlannedOutage) -> dict:
    counts = notices.progress(outage)
    batches = []
    for kind, label in NotificationKind.choices:
        by_status = counts.get(kind)
        if not by_status:
            continue
        total = sum(by_status.values())
        pending = by_status.get(NotificationStatus.PENDING, 0)
        failed = by_status.get(NotificationStatus.FAILED, 0)
        done = total - pending
        batches.append(
            {
                "kind": kind,
                "label": label,
                "total": total,
                "pending": pending,
                "failed": failed,
                "reached": done - failed,
                "percent": round(100 * done / total) if total else 100,
            }
        )
    running = any(b["pending"] for b in batches)
    return {"outage": outage, "batches": batches, "running": running}


def outage_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    outage = _visible_outage(request, pk)
    impacts = selectors.impacts_with_state(outage, request.user).order_by(
        "-important", "impact", "customer__account_no"
    )
    difference = None
    if outage.status in IMPACT_STATUSES and outage.start > timezone.now():
        diff = outage_impacts.impact_difference(outage)
        if diff:
            names = {
                c.pk: c
                for c in Customer.objects.filter(pk__in=[*diff.added, *diff.removed, *diff.changed])
            }
            difference = {
                key: [names[c] for c in getattr(diff, key) if c in names]
                for key in ("added", "removed", "changed")
            }
    actions = actions_for(outage, request.user)
    lead_time = services.required_lead_time(outage.kind)
    return render(
        request,
        "outages/outage_detail.html",
        {
            "outage": outage,
            "feeders": list(outage.feeders.all()),
            "coverage": selectors.coverage(outage, request.user),
            "impacts": list(impacts[:PAGE_SIZE]),
            "more_impacts": impacts.count() > PAGE_SIZE,
            "events": _events(outage),
            "actions": [{"name": a, "label": ACTION_LABELS[a]} for a in actions],
            "can_edit": may(request.user, "edit") and outage.can("edit"),
            "can_record_calls": may(request.user, "confirm_call")
            and outage.status in (*IMPACT_STATUSES, OutageStatus.IN_PROGRESS),
            "can_apply_grid": may(request.user, "edit"),
            "difference": difference,
            "approve_form": ApproveForm(initial={"override_reason": outage.override_reason}),
            "reschedule_form": RescheduleForm(
                initial={
                    "start": timezone.localtime(outage.start),
                    "end": timezone.localtime(outage.end),
                }
            ),
            "cancel_form": CancelForm(),
            "lead_time": lead_time,
            "lead_days": services.describe_lead_time(lead_time) if lead_time else None,
            **_progress_context(outage),
        },
    )


def _events(outage: PlannedOutage) -> list[dict]:
    labels = dict(OutageStatus.choices)
    return [
        {
            "at": e.at,
            "actor": e.actor,
            "message": e.message,
            "moved": e.from_status != e.to_status,
            "from_label": labels.get(e.from_status, e.from_status),
            "to_label": labels.get(e.to_status, e.to_status),
        }
        for e in outage.events.select_related("actor")[:100]
    ]


def outage_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The live progress of the outage's notice batches (polled by htmx while running)."""
    outage = _visible_outage(request, pk)
    return render(request, "outages/partials/progress.html", _progress_context(outage))


ACTION_FORMS = {"approve": ApproveForm, "reschedule": RescheduleForm, "cancel": CancelForm}
ACTION_SERVICES: dict[str, Callable[..., object]] = {
    "submit": services.submit_outage,
    "approve": services.approve_outage,
    "notify": services.notify_outage,
    "reschedule": services.reschedule_outage,
    "cancel": services.cancel_outage,
    "start": services.start_outage,
    "complete": services.complete_outage,
}
# Lazy: the page shows them in the language of the request, not of the import.
ACTION_DONE = {
    "submit": gettext_lazy("Submitted for approval."),
    "approve": gettext_lazy("Approved."),
    "notify": gettext_lazy("Notices are being sent in the background."),
    "reschedule": gettext_lazy("Rescheduled; customers already told get a change notice."),
    "cancel": gettext_lazy("Cancelled; customers already told get a cancellation notice."),
    "start": gettext_lazy("Marked as started."),
    "complete": gettext_lazy("Supply restored; customers get a restoration notice."),
}


@require_POST
def outage_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in USER_ACTIONS:
        raise Http404
    outage = _visible_outage(request, pk)
    if not may(request.user, action):
        raise PermissionDenied
    data = {}
    form_class = ACTION_FORMS.get(action)
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    # (an ErrorList yields its messages as str; the stubs say
                    # ValidationError | str)
                    messages.error(request, f"{label}: {error}" if label else str(error))
            return redirect(outage)
        data = form.cleaned_data
    try:
        ACTION_SERVICES[action](outage, acting_user=request.user, **data)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, ACTION_DONE[action])
    return redirect(outage)


@require_POST
def apply_grid_changes(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    outage = _visible_outage(request, pk)
    if not may(request.user, "edit"):
        raise PermissionDenied
    from django.db import transaction

    with transaction.atomic():
        locked = PlannedOutage.objects.select_for_update().get(pk=outage.pk)
        if locked.status in IMPACT_STATUSES:
            diff = outage_impacts.apply_impact_changes(locked, acting_user=request.user)
            messages.success(
                request,
                _("Affected customers updated: %(a)d added, %(r)d removed, %(c)d changed.")
                % {"a": len(diff.added), "r": len(diff.removed), "c": len(diff.changed)},
            )
    return redirect(outage)


@require_POST
def confirm_call(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    outage = _visible_outage(request, pk)
    if not may(request.user, "confirm_call"):
        raise PermissionDenied
    form = ConfirmCallForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404
    try:
        confirmations.record_confirmed_call(
            outage,
            customer=form.cleaned_data["customer"],
            acting_user=request.user,
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Confirmed call recorded for %(customer)s.")
            % {"customer": form.cleaned_data["customer"].name},
        )
    return redirect(request.POST.get("next") or outage.get_absolute_url())


# --- coverage -------------------------------------------------------------------------------


def outage_coverage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every affected customer with how far their notices got; CSV or Excel as evidence."""
    outage = _visible_outage(request, pk)
    form = CoverageFilterForm(request.GET or None)
    impacts = selectors.impacts_with_state(outage, request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            # The register's one search, over this outage's impacts.
            found = OutageImpact.objects.filter(outage=outage).search(data["q"])
            impacts = impacts.filter(pk__in=found.values("pk"))
        if data["impact"]:
            impacts = impacts.filter(impact=data["impact"])
        if data["state"]:
            impacts = impacts.filter(selectors.COVERAGE_STATE_FILTERS[data["state"]])
    impacts = impacts.order_by("customer__account_no")
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return export_response(outage, impacts, export)
    page = Paginator(impacts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "outages/outage_coverage.html",
        {
            "outage": outage,
            "form": form,
            "page_obj": page,
            "coverage": selectors.coverage(outage, request.user),
            "can_record_calls": may(request.user, "confirm_call")
            and outage.status in (*IMPACT_STATUSES, OutageStatus.IN_PROGRESS),
        },
    )


# --- customer 360 tab -----------------------------------------------------------------------


def customer_outages_tab(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The outages that hit one customer (a fragment of the customer page)."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    impacts = list(
        OutageImpact.objects.filter(customer=customer)
        .select_related("outage")
        .order_by("-outage__start")[:PAGE_SIZE]
    )
    counts: dict[int, dict[str, int]] = {}
    from django.db.models import Count

    for row in (
        Notification.objects.filter(customer=customer, outage_id__in=[i.outage_id for i in impacts])
        .order_by()
        .values("outage_id", "status")
        .annotate(n=Count("id"))
    ):
        counts.setdefault(row["outage_id"], {})[row["status"]] = row["n"]
    rows = [
        {"impact": i, "outage": i.outage, "notices": counts.get(i.outage_id, {})} for i in impacts
    ]
    return render(
        request, "outages/partials/customer_tab.html", {"customer": customer, "rows": rows}
    )
