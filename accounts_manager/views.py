"""Pages of the account managers' part: my day, notices, managers and their portfolios.

Views parse input, call accounts_manager.services and render. Integration clients have no
pages (403 with a pointer to the API docs).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts_manager import services, staff_messages, wecom
from accounts_manager.forms import (
    FollowUpCloseForm,
    FollowUpFilter,
    HandoverForm,
    WeComPreferenceForm,
    attach_domain_error,
)
from accounts_manager.models import FollowUp, FollowUpKind, FollowUpStatus, Notice
from accounts_manager.policy import POLICY
from common.errors import DomainError
from common.policy import allowed_to
from customers import portfolios
from customers.forms import AssignForm, manager_choices_queryset
from customers.models import Assignment, Customer
from customers.policy import POLICY as CUSTOMERS
from customers.portfolios import visible_managers

KIND_ICONS = {
    FollowUpKind.RISK: "bi-graph-up-arrow",
    FollowUpKind.PROMISE: "bi-calendar-check",
    FollowUpKind.COLLECTION: "bi-cash-coin",
    FollowUpKind.RECONNECTION: "bi-plug",
    FollowUpKind.OUTAGE_UNREACHABLE: "bi-telephone-x",
    FollowUpKind.OUTAGE_CONFIRM_CALL: "bi-telephone-outbound",
    FollowUpKind.COMPLAINT: "bi-chat-left-text",
    FollowUpKind.SATISFACTION: "bi-emoji-frown",
    FollowUpKind.VISIT: "bi-geo-alt",
    FollowUpKind.OTHER: "bi-check2-square",
}


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _count(queryset, group_by: str):
    """A correlated COUNT of `queryset` rows per outer row, 0 when there are none."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def home(request):
    """`/`: everyone with pages starts on "my day"; integration clients have no pages."""
    if not POLICY.allows(request.user, "view_my_day"):
        raise PermissionDenied
    return redirect("accounts_manager:my_day")


# --- my day ----------------------------------------------------------------------------------


@allowed_to(POLICY, "view_my_day")
@require_GET
def my_day(request):
    queue = (
        FollowUp.objects.visible_to(request.user)
        .open()
        .select_related("customer", "manager")
        .order_by("due_at", "id")
    )
    filterset = FollowUpFilter(
        request.GET or None, queryset=queue, user=request.user, request=request
    )
    page = Paginator(filterset.qs, 30).get_page(request.GET.get("page"))
    now = timezone.now()
    # Counts per kind for the filter chips, over the queue before the kind filter: one query.
    without_kind = {k: v for k, v in request.GET.items() if k not in ("kind", "page")}
    base = FollowUpFilter(without_kind or None, queryset=queue, user=request.user).qs
    kind_counts = dict(base.order_by().values_list("kind").annotate(n=Count("pk")))
    labels = dict(FollowUpKind.choices)
    chips = [
        {"kind": kind, "label": labels[kind], "count": n, "icon": KIND_ICONS.get(kind)}
        for kind, n in sorted(kind_counts.items(), key=lambda kv: str(labels.get(kv[0])))
        if kind in labels
    ]
    tasks = [
        {
            "followup": f,
            "overdue": f.due_at < now,
            "icon": KIND_ICONS.get(f.kind, "bi-dot"),
            "link": f.link or f.customer.get_absolute_url(),
        }
        for f in page.object_list
    ]
    return render(
        request,
        "accounts_manager/followup_my_day.html",
        {
            "filter": filterset,
            "page_obj": page,
            "tasks": tasks,
            "chips": chips,
            "total": sum(kind_counts.values()),
            "kind": request.GET.get("kind", ""),
            "oversight": POLICY.allows(request.user, "view_managers"),
            "can_close": POLICY.allows(request.user, "work_queue"),
            "close_form": FollowUpCloseForm(),
            "now": now,
        },
    )


@allowed_to(POLICY, "work_queue")
@require_POST
def followup_close(request, pk: int):
    followup = get_object_or_404(FollowUp.objects.visible_to(request.user), pk=pk)
    form = FollowUpCloseForm(request.POST)
    back = _next_url(request, reverse("accounts_manager:my_day"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    try:
        services.close_followup(
            followup,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            acting_user=request.user,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if form.cleaned_data["status"] == FollowUpStatus.DONE:
            messages.success(
                request, _("Marked as done: %(summary)s") % {"summary": followup.summary}
            )
        else:
            messages.info(request, _("Cancelled: %(summary)s") % {"summary": followup.summary})
    return redirect(back)


# --- notices ---------------------------------------------------------------------------------


@allowed_to(POLICY, "view_notices")
@require_GET
def notices(request):
    mine = Notice.objects.for_user(request.user).order_by("-created_at", "-id")
    if request.GET.get("fragment") == "menu":
        return render(
            request, "accounts_manager/partials/notice_menu.html", {"notices": list(mine[:8])}
        )
    page = Paginator(mine, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts_manager/notice_list.html",
        {"page_obj": page, "notices": page.object_list},
    )


@allowed_to(POLICY, "view_notices")
@require_POST
def notices_mark_read(request):
    count = services.mark_notices_read(request.user)
    if count:
        messages.success(request, _("All notices marked as read."))
    return redirect(_next_url(request, reverse("accounts_manager:notices")))


@allowed_to(POLICY, "view_notices")
@require_POST
def notice_open(request, pk: int):
    """Mark one notice read and follow its link (only a link inside this site)."""
    notice = get_object_or_404(Notice.objects.for_user(request.user), pk=pk)
    services.mark_notices_read(request.user, ids=[notice.pk])
    if notice.link and url_has_allowed_host_and_scheme(
        notice.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notice.link)
    return redirect("accounts_manager:notices")


@allowed_to(POLICY, "view_notices")
@require_http_methods(["GET", "POST"])
def wecom_preferences(request):
    """The logged-in user's choice of the notices that also reach them on 企业微信."""
    preference = staff_messages.wecom_preference(request.user)
    form = WeComPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        staff_messages.set_wecom_preference(
            request.user, choices={name: form.cleaned_data[name] for name in form.fields}
        )
        messages.success(request, _("Your WeCom preferences were saved."))
        return redirect("accounts_manager:wecom_preferences")
    return render(
        request,
        "accounts_manager/wecom_preferences.html",
        {
            "form": form,
            "channel_on": wecom.configured() is not None,
            "wecom_userid": request.user.wecom_userid,
        },
    )


# --- managers and portfolios -----------------------------------------------------------------


def _with_queue_counts(managers, now):
    open_followups = FollowUp.objects.open().filter(manager=OuterRef("pk"))
    portfolio = Assignment.objects.open().filter(manager=OuterRef("pk"))
    return managers.annotate(
        portfolio_size=_count(portfolio, "manager"),
        open_followups=_count(open_followups, "manager"),
        overdue_followups=_count(open_followups.filter(due_at__lt=now), "manager"),
    )


@allowed_to(POLICY, "view_managers")
@require_GET
def manager_list(request):
    now = timezone.now()
    managers = list(
        _with_queue_counts(visible_managers(request.user), now)
        .select_related("region", "supervisor")
        .order_by("-is_active", "region__code", "name", "username")
    )
    unassigned = (
        Customer.objects.visible_to(request.user)
        .unassigned()
        .select_related("region")
        .order_by("account_no")
    )
    unassigned_page = Paginator(unassigned, 20).get_page(request.GET.get("page"))
    can_act = CUSTOMERS.allows(request.user, "assign_customer")
    return render(
        request,
        "accounts_manager/manager_list.html",
        {
            "managers": managers,
            "page_obj": unassigned_page,
            "unassigned": unassigned_page.object_list,
            "can_act": can_act,
            "assign_choices": list(manager_choices_queryset(request.user)) if can_act else [],
            "totals": {
                "portfolio": sum(m.portfolio_size for m in managers),
                "open": sum(m.open_followups for m in managers),
                "overdue": sum(m.overdue_followups for m in managers),
            },
        },
    )


@allowed_to(POLICY, "view_manager")
@require_GET
def manager_detail(request, pk: int):
    manager = get_object_or_404(
        visible_managers(request.user).select_related("region", "supervisor"), pk=pk
    )
    now = timezone.now()
    open_q = Q(followups__status=FollowUpStatus.OPEN)
    customers = (
        Customer.objects.visible_to(request.user)
        .filter(assignments__manager=manager, assignments__end__isnull=True)
        .select_related("region")
        .annotate(
            open_followups=Count("followups", filter=open_q),
            overdue_followups=Count("followups", filter=open_q & Q(followups__due_at__lt=now)),
        )
        .order_by("-overdue_followups", "-open_followups", "account_no")
    )
    page = Paginator(customers, 25).get_page(request.GET.get("page"))
    queue = (
        FollowUp.objects.open()
        .filter(manager=manager)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    )
    return render(
        request,
        "accounts_manager/manager_detail.html",
        {
            "manager": manager,
            "page_obj": page,
            "customers": page.object_list,
            "queue": queue,
            "can_handover": CUSTOMERS.allows(request.user, "handover_portfolio"),
        },
    )


@allowed_to(CUSTOMERS, "handover_portfolio")
@require_http_methods(["GET", "POST"])
def handover(request, pk: int):
    from_manager = get_object_or_404(visible_managers(request.user), pk=pk)
    form = HandoverForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        from_manager=from_manager,
    )
    if request.method == "POST" and form.is_valid():
        try:
            moved = portfolios.handover_portfolio(
                from_manager,
                to_manager=form.cleaned_data["to"],
                effective=form.cleaned_data["effective"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except DomainError as exc:
            attach_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(n)d customers and their open follow-ups handed over from %(from)s to %(to)s.")
                % {
                    "n": moved,
                    "from": from_manager.display_name,
                    "to": form.cleaned_data["to"].display_name,
                },
            )
            return redirect("accounts_manager:manager_list")
    return render(
        request,
        "accounts_manager/manager_handover.html",
        {
            "form": form,
            "manager": from_manager,
            "portfolio_size": Assignment.objects.open().filter(manager=from_manager).count(),
            "open_followups": FollowUp.objects.open().filter(manager=from_manager).count(),
        },
    )


@allowed_to(CUSTOMERS, "assign_customer")
@require_http_methods(["GET", "POST"])
def assign(request, customer_pk: int):
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=customer_pk)
    form = AssignForm(
        request.POST if request.method == "POST" else None, user=request.user, customer=customer
    )
    if request.method == "POST" and form.is_valid():
        try:
            portfolios.assign_customer(
                customer,
                manager=form.cleaned_data["manager"],
                start=form.cleaned_data["start"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except DomainError as exc:
            attach_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(customer)s is now looked after by %(manager)s.")
                % {"customer": customer.name, "manager": form.cleaned_data["manager"].display_name},
            )
            return redirect(_next_url(request, customer.get_absolute_url()))
    current = portfolios.current_assignment(customer)
    return render(
        request,
        "accounts_manager/assignment_form.html",
        {
            "form": form,
            "customer": customer,
            "current": current,
            "next": _next_url(request, ""),
        },
    )
