"""The complaint pages: list, registration form, ticket page with its actions, customer tab.

Views parse a form, call one service and render; which tickets a user sees is
`Complaint.objects.visible_to` and which actions they may take is `complaints.policy`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError, TransitionNotAllowed
from complaints import closure, panels, policy, services
from complaints.forms import (
    AssignForm,
    AttachmentForm,
    CallbackForm,
    CloseForm,
    CommentForm,
    ComplaintEditForm,
    ComplaintFilterForm,
    ComplaintForm,
    NoteForm,
    ReopenForm,
    ResolveForm,
)
from complaints.models import Complaint, ComplaintAttachment, ComplaintEvent, Status
from complaints.selectors import complaint_indicators
from customers.models import Customer

PAGE_SIZE = 25

# action -> (form class, needs the user, service call, success message)
ACTIONS = {
    "update": (
        ComplaintEditForm,
        False,
        lambda c, u, d: services.update_complaint(c, acting_user=u, **d),
        gettext_lazy("The details were saved."),
    ),
    "acknowledge": (
        NoteForm,
        False,
        lambda c, u, d: services.acknowledge_complaint(c, acting_user=u, **d),
        gettext_lazy("Recorded that the customer was contacted."),
    ),
    "start": (
        NoteForm,
        False,
        lambda c, u, d: services.start_complaint(c, acting_user=u, **d),
        gettext_lazy("Work on the complaint has started."),
    ),
    "assign": (
        AssignForm,
        True,
        lambda c, u, d: services.assign_complaint(c, acting_user=u, **d),
        gettext_lazy("The complaint was assigned."),
    ),
    "resolve": (
        ResolveForm,
        False,
        lambda c, u, d: services.resolve_complaint(c, acting_user=u, **d),
        gettext_lazy("The resolution was recorded; the complaint now waits for its callback."),
    ),
    "callback": (
        CallbackForm,
        False,
        lambda c, u, d: closure.record_callback(c, acting_user=u, **d),
        gettext_lazy("The callback was recorded."),
    ),
    "close": (
        CloseForm,
        False,
        lambda c, u, d: closure.close_without_callback(c, acting_user=u, **d),
        gettext_lazy("The complaint was closed without a callback."),
    ),
    "reopen": (
        ReopenForm,
        False,
        lambda c, u, d: closure.reopen_complaint(c, acting_user=u, **d),
        gettext_lazy("The complaint was reopened with new deadlines."),
    ),
    "comment": (
        CommentForm,
        False,
        lambda c, u, d: services.add_comment(c, acting_user=u, **d),
        gettext_lazy("The comment was added."),
    ),
    "attach": (
        AttachmentForm,
        False,
        lambda c, u, d: services.add_attachment(c, acting_user=u, upload=d["file"], note=d["note"]),
        gettext_lazy("The file was attached."),
    ),
}


def _list_queryset(user):
    return Complaint.objects.visible_to(user).select_related("customer", "assignee").with_next_due()


@require_GET
def complaint_list(request):
    visible = Complaint.objects.visible_to(request.user)
    filters = ComplaintFilterForm(request.GET or None)
    queryset = filters.filter(_list_queryset(request.user))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/complaint_list.html",
        {
            "filters": filters,
            "page_obj": page,
            "indicators": complaint_indicators(visible),
            "can_create": policy.may(request.user, "create"),
        },
    )


@require_http_methods(["GET", "POST"])
def complaint_create(request):
    if not policy.may(request.user, "create"):
        raise PermissionDenied
    initial = {}
    customer_pk = request.GET.get("customer", "")
    if customer_pk.isdigit():
        customer = Customer.objects.visible_to(request.user).filter(pk=customer_pk).first()
        if customer is not None:
            initial["account_no"] = customer.account_no
    form = ComplaintForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                complaint, created = services.register_complaint(
                    customer=data.pop("account_no"), acting_user=request.user, **data
                )
            except (DomainError, ValidationError) as exc:
                _form_error(form, exc)
            else:
                if created:
                    messages.success(
                        request,
                        _("Complaint %(ticket)s registered.") % {"ticket": complaint.ticket_no},
                    )
                else:
                    messages.info(
                        request,
                        _("This external ticket number was registered before as %(ticket)s.")
                        % {"ticket": complaint.ticket_no},
                    )
                if Complaint.objects.visible_to(request.user).filter(pk=complaint.pk).exists():
                    return redirect(complaint)
                return redirect("complaints:list")
        status = 400
    return render(request, "complaints/complaint_form.html", {"form": form}, status=status)


def _form_error(form, exc) -> None:
    """Attach a service's refusal to the form: to its field when it names one we show."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    field: str | None = getattr(exc, "field", None)
    message = getattr(exc, "message", None) or " ".join(getattr(exc, "messages", [str(exc)]))
    form.add_error(field if field in form.fields else None, str(message))


def _get_ticket(request, pk: int) -> Complaint:
    return get_object_or_404(
        Complaint.objects.visible_to(request.user).select_related(
            "customer",
            "customer__region",
            "assignee",
            "repeat_of",
            "resolved_by",
            "closed_by",
            "registered_by",
        ),
        pk=pk,
    )


def _forms_for(complaint: Complaint, user, actions: set[str], bound=None) -> dict:
    forms = {}
    for name in actions:
        form_class, needs_user, _call, _msg = ACTIONS[name]
        kwargs = {"user": user} if needs_user else {}
        if bound is not None and bound[0] == name:
            forms[name] = bound[1]
        elif name == "update":
            forms[name] = form_class(
                initial={f: getattr(complaint, f) for f in services.EDITABLE_FIELDS}
            )
        elif name == "resolve":
            forms[name] = form_class(
                initial={
                    "root_cause": complaint.root_cause,
                    "responsibility": complaint.responsibility or None,
                    "justification": complaint.justification,
                    "corrective_action": complaint.corrective_action,
                }
            )
        else:
            forms[name] = form_class(**kwargs)
    return forms


def _render_detail(request, complaint: Complaint, *, bound=None, status: int = 200):
    actions = policy.available_actions(complaint, request.user)
    events = ComplaintEvent.objects.filter(complaint=complaint).select_related(
        "actor", "attachment"
    )
    callbacks = complaint.callbacks.select_related("by")
    context = {
        "complaint": complaint,
        "events": events,
        "callbacks": callbacks,
        "actions": actions,
        "forms": _forms_for(complaint, request.user, actions, bound),
        "open_form": bound[0] if bound else None,
        "working": complaint.status
        in (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED),
        "panels": panels.panels_for(complaint),
        "close_needs_attempts": (
            policy.may(request.user, "close")
            and complaint.status == Status.RESOLVED
            and not policy.close_allowed_after_attempts(complaint)
        ),
    }
    return render(request, "complaints/complaint_detail.html", context, status=status)


@require_GET
def complaint_detail(request, pk: int):
    return _render_detail(request, _get_ticket(request, pk))


@require_POST
def complaint_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    complaint = _get_ticket(request, pk)
    if not policy.may(request.user, action):
        raise PermissionDenied
    form_class, needs_user, call, success = ACTIONS[action]
    kwargs = {"user": request.user} if needs_user else {}
    form = (
        form_class(request.POST, request.FILES, **kwargs)
        if action == "attach"
        else (form_class(request.POST, **kwargs))
    )
    if not complaint.allows(action):
        messages.error(request, _("This action is not allowed in the ticket's current status."))
        return _render_detail(request, complaint, status=409)
    if not form.is_valid():
        return _render_detail(request, complaint, bound=(action, form), status=400)
    try:
        call(complaint, request.user, dict(form.cleaned_data))
    except TransitionNotAllowed as exc:
        messages.error(request, str(exc.message))
        return _render_detail(request, _get_ticket(request, pk), status=409)
    except (DomainError, ValidationError) as exc:
        _form_error(form, exc)
        return _render_detail(request, _get_ticket(request, pk), bound=(action, form), status=400)
    messages.success(request, success)
    if not Complaint.objects.visible_to(request.user).filter(pk=pk).exists():
        # Assigned away from a manager who only saw it as its assignee.
        return redirect("complaints:list")
    return redirect("complaints:detail", pk=pk)


@require_GET
def attachment_download(request, pk: int):
    attachment = get_object_or_404(ComplaintAttachment.objects.visible_to(request.user), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def customer_complaints_tab(request, pk: int):
    """The customer 360 tab (a fragment): the customer's tickets the user may see."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    tickets = (
        _list_queryset(request.user).filter(customer=customer).order_by("-received_at", "-pk")[:50]
    )
    return render(
        request,
        "complaints/customer_complaints_tab.html",
        {
            "customer": customer,
            "tickets": tickets,
            "can_create": policy.may(request.user, "create"),
        },
    )
