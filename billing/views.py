"""Billing pages: the arrears list, a customer's account (and its 360 tab), the collection
forms, the disconnection procedure with its evidence, and the CSV/Excel imports.

Views parse input, call one service and render; every customer is looked up through
`visible_to(user)`, so another manager's customer is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Prefetch, Sum
from django.forms import Form
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from billing import collection, disconnections, payments
from billing.exports import arrears_export
from billing.forms import (
    ActionForm,
    ApproveForm,
    ArrearsFilterForm,
    DeliveryForm,
    DisconnectionRequestForm,
    NoteForm,
    PaymentForm,
    PromiseForm,
    ReasonForm,
    ReverseForm,
    attach_error,
)
from billing.models import (
    ActionKind,
    CollectionAction,
    Disconnection,
    DisconnectionEvent,
    DisconnectionStatus,
    Payment,
)
from billing.policy import POLICY
from billing.selectors import (
    AGING_BUCKETS,
    AGING_LABELS,
    arrears_queryset,
    arrears_rows,
    customer_account,
)
from common.errors import DomainError
from common.policy import allowed_to
from customers.models import Customer

PAGE_SIZE = 25
EXPORT_CHUNK = 2000
CONFLICT = gettext_lazy(
    "This change conflicts with another one made at the same time. Please try again."
)


def visible_customer(request, pk: int) -> Customer:
    return get_object_or_404(
        Customer.objects.visible_to(request.user).select_related("region"), pk=pk
    )


def _customer_page(customer: Customer) -> str:
    return reverse("billing:customer", args=[customer.pk])


def _customer_360(customer: Customer) -> str | None:
    try:
        return customer.get_absolute_url()
    except NoReverseMatch:
        return None


def posted(request):
    """The submitted data (even when empty, so that a blank form shows its errors)."""
    return request.POST if request.method == "POST" else None


def _call(form, fn, *args, **kwargs):
    """Run a service; on a refusal put its message on the form and return None."""
    try:
        return fn(*args, **kwargs)
    except DomainError as exc:
        attach_error(form, exc)
    except IntegrityError:
        form.add_error(None, CONFLICT)
    return None


# --- arrears list ----------------------------------------------------------------------------


@allowed_to(POLICY, "view")
def arrears_list(request):
    today = timezone.localdate()
    form = ArrearsFilterForm(request.GET or None, user=request.user)
    rows = form.apply(arrears_queryset(request.user, as_of=today))
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return arrears_export(_all_rows(rows, today), export)
    sums = rows.order_by().aggregate(
        n=Count("customer_id"),
        sum_outstanding=Sum("outstanding"),
        sum_overdue=Sum("overdue"),
        **{f"sum_{k}": Sum(f"aging_{k}") for k, _a, _b in AGING_BUCKETS},
    )
    totals = {
        "customers": sums["n"],
        "outstanding": sums["sum_outstanding"],
        "overdue": sums["sum_overdue"],
        **{f"aging_{k}": sums[f"sum_{k}"] for k, _a, _b in AGING_BUCKETS},
    }
    ids = rows.values_list("customer_id", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = arrears_rows(page.object_list, as_of=today)
    return render(
        request,
        "billing/arrears_list.html",
        {
            "form": form,
            "page_obj": page,
            "rows": page.object_list,
            "totals": totals,
            "aging_labels": AGING_LABELS,
            "sort": (form.cleaned_data.get("o") if form.is_valid() else "") or "-amount",
            "can_import": POLICY.allows(request.user, "import_file"),
            "filtered": any(v for k, v in request.GET.items() if k not in ("page", "o")),
        },
    )


def _all_rows(rows, today):
    """Every filtered row for an export, completed in chunks (a fixed query count per chunk)."""
    ids = list(rows.values_list("customer_id", flat=True))
    result = []
    for start in range(0, len(ids), EXPORT_CHUNK):
        result.extend(arrears_rows(ids[start : start + EXPORT_CHUNK], as_of=today))
    return result


# --- a customer's account --------------------------------------------------------------------


def _account_context(request, customer: Customer) -> dict:
    account = customer_account(customer)
    return {
        "customer": customer,
        "account": account,
        "aging_rows": [(AGING_LABELS[k], account.aging[k]) for k, _a, _b in AGING_BUCKETS],
        "can_collect": POLICY.allows(request.user, "record_collection_action"),
        "can_reverse": POLICY.allows(request.user, "reverse_payment"),
        "customer_url": _customer_360(customer),
        "today": timezone.localdate(),
    }


@allowed_to(POLICY, "view")
def customer_billing(request, pk: int):
    customer = visible_customer(request, pk)
    return render(request, "billing/customer_billing.html", _account_context(request, customer))


@allowed_to(POLICY, "view")
def customer_arrears_tab(request, pk: int):
    """The arrears tab of the customer 360 page (an HTML fragment)."""
    customer = visible_customer(request, pk)
    return render(request, "billing/partials/account.html", _account_context(request, customer))


def _form_page(request, customer, form, title, template="billing/form.html", **extra):
    return render(
        request,
        template,
        {
            "customer": customer,
            "form": form,
            "title": title,
            "back_url": _customer_page(customer),
            **extra,
        },
    )


@allowed_to(POLICY, "record_payment")
@require_http_methods(["GET", "POST"])
def payment_create(request, pk: int):
    customer = visible_customer(request, pk)
    form = PaymentForm(posted(request), initial={"paid_at": timezone.localtime()})
    if request.method == "POST" and form.is_valid():
        result = _call(
            form, payments.record_payment, customer, acting_user=request.user, **form.cleaned_data
        )
        if result is not None:
            payment, created = result
            if created:
                messages.success(
                    request,
                    _("Payment of ¥%(amount)s recorded and allocated.")
                    % {"amount": payment.amount},
                )
            else:
                messages.info(request, _("This payment was already recorded."))
            return redirect(_customer_page(customer))
    return _form_page(request, customer, form, _("Record a payment"))


@allowed_to(POLICY, "reverse_payment")
@require_http_methods(["GET", "POST"])
def payment_reverse(request, pk: int):
    payment = get_object_or_404(
        Payment.objects.visible_to(request.user).select_related("customer"), pk=pk
    )
    form = ReverseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        done = _call(
            form,
            payments.reverse_payment,
            payment,
            acting_user=request.user,
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("Payment reversed; its allocations were undone."))
            return redirect(_customer_page(payment.customer))
    return _form_page(
        request, payment.customer, form, _("Reverse a payment"), subject=payment, danger=True
    )


@allowed_to(POLICY, "record_collection_action")
@require_http_methods(["GET", "POST"])
def action_create(request, pk: int):
    customer = visible_customer(request, pk)
    initial = {"at": timezone.localtime(), "kind": request.GET.get("kind", ActionKind.CALL)}
    form = ActionForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        action = _call(
            form,
            collection.record_collection_action,
            customer,
            acting_user=request.user,
            **form.cleaned_data,
        )
        if action is not None:
            messages.success(request, _("%(kind)s recorded.") % {"kind": action.get_kind_display()})
            return redirect(_customer_page(customer))
    return _form_page(request, customer, form, _("Record a collection action"))


@allowed_to(POLICY, "record_notice_delivery")
@require_http_methods(["GET", "POST"])
def action_delivery(request, pk: int):
    action = get_object_or_404(
        CollectionAction.objects.visible_to(request.user).select_related("customer"), pk=pk
    )
    form = DeliveryForm(posted(request))
    if request.method == "POST" and form.is_valid():
        done = _call(
            form,
            collection.record_notice_delivery,
            action,
            acting_user=request.user,
            **form.cleaned_data,
        )
        if done is not None:
            messages.success(request, _("Delivery recorded."))
            return redirect(_customer_page(action.customer))
    return _form_page(
        request, action.customer, form, _("Record the delivery of a notice"), subject=action
    )


@allowed_to(POLICY, "record_promise")
@require_http_methods(["GET", "POST"])
def promise_create(request, pk: int):
    customer = visible_customer(request, pk)
    form = PromiseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        promise = _call(
            form, collection.record_promise, customer, acting_user=request.user, **form.cleaned_data
        )
        if promise is not None:
            messages.success(request, _("Promise recorded; it is checked automatically."))
            return redirect(_customer_page(customer))
    return _form_page(request, customer, form, _("Record a payment promise"))


# --- disconnections --------------------------------------------------------------------------


@allowed_to(POLICY, "request_disconnection")
@require_http_methods(["GET", "POST"])
def disconnection_request(request, pk: int):
    customer = visible_customer(request, pk)
    form = DisconnectionRequestForm(posted(request), customer=customer)
    problems = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        notice = data["notice"] or disconnections.latest_usable_notice(
            customer, data["scheduled_for"]
        )
        problems = disconnections.request_problems(
            customer, scheduled_for=data["scheduled_for"], notice=notice
        )
        if not problems:
            disconnection = _call(
                form,
                disconnections.request_disconnection,
                customer,
                scheduled_for=data["scheduled_for"],
                notice=notice,
                reason=data["reason"],
                acting_user=request.user,
            )
            if disconnection is not None:
                messages.success(
                    request, _("Disconnection requested; a supervisor must approve it.")
                )
                return redirect("billing:disconnection_detail", pk=disconnection.pk)
        for problem in problems:
            attach_error(form, problem)
    return _form_page(
        request, customer, form, _("Request a disconnection for arrears"), danger=True
    )


@allowed_to(POLICY, "view")
def disconnection_list(request):
    status = request.GET.get("status", "")
    qs = Disconnection.objects.visible_to(request.user).select_related(
        "customer", "requested_by", "approved_by"
    )
    if status in DisconnectionStatus.values:
        qs = qs.filter(status=status)
    if request.GET.get("overdue"):
        qs = qs.reconnection_overdue()
    page = Paginator(qs.order_by("-scheduled_for", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "billing/disconnection_list.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": DisconnectionStatus.choices,
            "overdue": bool(request.GET.get("overdue")),
        },
    )


def _visible_disconnection(request, pk: int) -> Disconnection:
    return get_object_or_404(
        Disconnection.objects.visible_to(request.user)
        .select_related(
            "customer__region",
            "notice",
            "requested_by",
            "approved_by",
            "executed_by",
            "reconnected_by",
            "last_reminder",
        )
        .prefetch_related(
            Prefetch(
                "events",
                queryset=DisconnectionEvent.objects.select_related("by").order_by("at", "pk"),
            )
        ),
        pk=pk,
    )


ACTIONS: dict[str, tuple[str, type[Form], Callable[..., Disconnection], Any]] = {
    "approve": (
        "approve_disconnection",
        ApproveForm,
        disconnections.approve_disconnection,
        gettext_lazy("Disconnection approved."),
    ),
    "execute": (
        "execute_disconnection",
        NoteForm,
        disconnections.execute_disconnection,
        gettext_lazy("Disconnection recorded as carried out."),
    ),
    "cancel": (
        "cancel_disconnection",
        ReasonForm,
        disconnections.cancel_disconnection,
        gettext_lazy("Disconnection cancelled."),
    ),
    "reconnect": (
        "reconnect_disconnection",
        NoteForm,
        disconnections.reconnect_disconnection,
        gettext_lazy("Reconnection recorded."),
    ),
}


@allowed_to(POLICY, "view")
@require_http_methods(["GET", "POST"])
def disconnection_detail(request, pk: int):
    disconnection = _visible_disconnection(request, pk)
    forms = {}
    for name, (action, form_class, _service, _message) in ACTIONS.items():
        if POLICY.allows(request.user, action) and disconnection.allows(name):
            forms[name] = form_class(prefix=name)
    if request.method == "POST":
        name = request.POST.get("action", "")
        if name not in ACTIONS:
            raise Http404
        action, form_class, service, message = ACTIONS[name]
        if not POLICY.allows(request.user, action):
            raise PermissionDenied
        form = form_class(request.POST, prefix=name)
        forms[name] = form
        if (
            form.is_valid()
            and _call(form, service, disconnection, acting_user=request.user, **form.cleaned_data)
            is not None
        ):
            messages.success(request, message)
            return redirect("billing:disconnection_detail", pk=disconnection.pk)
    return render(
        request,
        "billing/disconnection_detail.html",
        {
            "d": disconnection,
            "forms": forms,
            "customer": disconnection.customer,
            "important": disconnection.customer.is_important,
        },
    )


@allowed_to(POLICY, "view")
def disconnection_evidence(request, pk: int):
    """The printable evidence pack: arrears, reminders, notice and delivery, approvals."""
    d = _visible_disconnection(request, pk)
    reminders = list(
        CollectionAction.objects.filter(customer=d.customer, at__date__gt=d.oldest_due_date)
        .filter(at__lte=d.executed_at or timezone.now())
        .select_related("recorded_by")
        .order_by("at", "pk")
    )
    bills = list(
        d.customer.bills.with_amounts()
        .filter(due_date__lte=timezone.localdate(d.created_at))
        .filter(due_date__gte=d.oldest_due_date)
        .order_by("period")
    )
    return render(
        request,
        "billing/disconnection_evidence.html",
        {
            "d": d,
            "customer": d.customer,
            "reminders": reminders,
            "bills": bills,
            "printed_at": timezone.localtime(),
            "printed_by": request.user,
        },
    )
