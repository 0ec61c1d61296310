"""The connection pages: list (with export), registration, the project page with its actions,
the customer 360 tab, the weekly review (周例会) and attachment downloads.

Views parse a form, call one service and render; which projects a user sees is
`Project.objects.visible_to` and which actions they may take is `connections.policy`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError, TransitionNotAllowed
from common.policy import allowed_to, has_pages
from common.tabular import FORMATS, export_response
from connections import clock, paperwork, policy, services
from connections.api.serializers import step_rows
from connections.exports import project_table, review_table
from connections.forms import (
    AttachmentForm,
    DocumentForm,
    EditForm,
    EmptyForm,
    FinishForm,
    ProjectFilterForm,
    ProjectForm,
    ReasonForm,
    ResumeForm,
    WaitForm,
)
from connections.models import DocumentItem, Project, ProjectAttachment, ProjectEvent, Wait
from connections.selectors import live_counts, review_queryset, review_row, with_blockers
from customers.models import Customer

PAGE_SIZE = 25

# action -> (form class, service call, success message)
ACTIONS = {
    "update": (
        EditForm,
        lambda p, u, d: services.update_project(p, acting_user=u, **d),
        gettext_lazy("The details were saved."),
    ),
    "finish": (
        FinishForm,
        lambda p, u, d: services.finish_step(p, acting_user=u, **d),
        gettext_lazy("The step was finished."),
    ),
    "return": (
        ReasonForm,
        lambda p, u, d: services.return_step(p, acting_user=u, **d),
        gettext_lazy("The project was sent back to the previous step."),
    ),
    "wait": (
        WaitForm,
        lambda p, u, d: services.wait_for_customer(p, acting_user=u, **d),
        gettext_lazy("The clock is stopped while the customer acts."),
    ),
    "suspend": (
        ReasonForm,
        lambda p, u, d: services.suspend_project(p, acting_user=u, **d),
        gettext_lazy("The project is suspended at the customer's request."),
    ),
    "resume": (
        ResumeForm,
        lambda p, u, d: services.resume_project(p, acting_user=u, **d),
        gettext_lazy("The clock runs again."),
    ),
    "cancel": (
        ReasonForm,
        lambda p, u, d: services.cancel_project(p, acting_user=u, **d),
        gettext_lazy("The project was cancelled."),
    ),
    "archive": (
        EmptyForm,
        lambda p, u, d: services.archive_project(p, acting_user=u),
        gettext_lazy("The project was archived with its documents."),
    ),
    "documents": (
        DocumentForm,
        lambda p, u, d: paperwork.receive_document(p, acting_user=u, **d),
        gettext_lazy("The checklist was updated."),
    ),
    "attach": (
        AttachmentForm,
        lambda p, u, d: paperwork.add_attachment(
            p, acting_user=u, upload=d["file"], document=d["document"], note=d["note"]
        ),
        gettext_lazy("The file was attached."),
    ),
}


def _list_queryset(user):
    return Project.objects.visible_to(user).with_current_step()


@require_GET
@allowed_to(policy.POLICY, "view")
def project_list(request):
    filters = ProjectFilterForm(request.GET or None, user=request.user)
    queryset = filters.filter(_list_queryset(request.user)) if filters.is_bound else None
    if queryset is None:
        queryset = _list_queryset(request.user).filter(archived_at__isnull=True)
    fmt = request.GET.get("export")
    if fmt in FORMATS:
        if not policy.may(request.user, "export"):
            raise PermissionDenied
        header, rows = project_table(with_blockers(queryset.order_by("-accepted_at", "-pk")))
        stamp = timezone.localdate().isoformat()
        return export_response(
            fmt,
            filename=f"connections-{stamp}",
            title=_("Connection projects"),
            header=header,
            rows=rows,
        )
    page = Paginator(queryset.order_by("-accepted_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [review_row(p, today=today) for p in page.object_list]
    return render(
        request,
        "connections/project_list.html",
        {
            "filters": filters,
            "page_obj": page,
            "rows": rows,
            "counts": live_counts(Project.objects.visible_to(request.user)),
            "can_create": policy.may(request.user, "create"),
            "query": request.GET.urlencode(),
        },
    )


def _form_error(form, exc) -> None:
    """Attach a service's refusal to the form: to its field when it names one we show."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    field: str | None = getattr(exc, "field", None)
    message = getattr(exc, "message", None) or " ".join(getattr(exc, "messages", [str(exc)]))
    form.add_error(field if field in form.fields else None, str(message))


@require_http_methods(["GET", "POST"])
@allowed_to(policy.POLICY, "create")
def project_create(request):
    initial = {}
    customer_pk = request.GET.get("customer", "")
    if customer_pk.isdigit():
        customer = Customer.objects.visible_to(request.user).filter(pk=customer_pk).first()
        if customer is not None:
            initial = {"customer": customer.account_no, "kind": "increase"}
    form = ProjectForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        data.setdefault("customer", None)
        try:
            project, created = services.create_project(acting_user=request.user, **data)
        except (DomainError, ValidationError) as exc:
            _form_error(form, exc)
        else:
            if created:
                messages.success(request, _("Project %(n)s registered.") % {"n": project.number})
            else:
                messages.info(
                    request,
                    _("This external reference was registered before as %(n)s.")
                    % {"n": project.number},
                )
            if Project.objects.visible_to(request.user).filter(pk=project.pk).exists():
                return redirect(project)
            return redirect("connections:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "connections/project_form.html", {"form": form}, status=status)


def _get_project(request, pk: int) -> Project:
    return get_object_or_404(
        Project.objects.visible_to(request.user).select_related(
            "customer", "region", "manager", "primary_feeder", "backup_feeder", "created_by"
        ),
        pk=pk,
    )


def _forms_for(project: Project, actions: set[str], documents, bound=None) -> dict:
    forms = {}
    for name in actions:
        form_class = ACTIONS[name][0]
        if bound is not None and bound[0] == name:
            forms[name] = bound[1]
        elif name == "update":
            forms[name] = EditForm(initial={f: getattr(project, f) for f in EditForm.base_fields})
        elif name == "attach":
            forms[name] = AttachmentForm(documents=documents)
        else:
            forms[name] = form_class()
    return forms


def _render_detail(request, project: Project, *, bound=None, status: int = 200):
    actions = policy.available_actions(project, request.user)
    documents = list(DocumentItem.objects.filter(project=project).select_related("received_by"))
    today = timezone.localdate()
    steps = list(project.steps.all())
    used = clock.project_days(project, steps, today=today)
    context = {
        "project": project,
        "steps": zip(steps, step_rows(project, today), strict=True),
        "used": used,
        "left": project.limit_working_days - used,
        "waits": Wait.objects.filter(project=project),
        "documents": documents,
        "attachments": ProjectAttachment.objects.filter(project=project).select_related(
            "document", "uploaded_by"
        ),
        "events": ProjectEvent.objects.filter(project=project).select_related("actor"),
        "actions": actions,
        "forms": _forms_for(project, actions, documents, bound),
        "open_form": bound[0] if bound else None,
    }
    return render(request, "connections/project_detail.html", context, status=status)


@require_GET
@allowed_to(policy.POLICY, "view")
def project_detail(request, pk: int):
    return _render_detail(request, _get_project(request, pk))


def _bound_form(action: str, request, project: Project):
    form_class = ACTIONS[action][0]
    if action == "attach":
        documents = list(DocumentItem.objects.filter(project=project))
        return AttachmentForm(request.POST, request.FILES, documents=documents)
    return form_class(request.POST)


@require_POST
def project_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    project = _get_project(request, pk)
    if not policy.may(request.user, action):
        raise PermissionDenied
    _form_class, call, success = ACTIONS[action]
    form = _bound_form(action, request, project)
    if not project.allows(action):
        messages.error(request, _("This action is not allowed in the project's current status."))
        return _render_detail(request, project, status=409)
    if not form.is_valid():
        return _render_detail(request, project, bound=(action, form), status=400)
    try:
        call(project, request.user, dict(form.cleaned_data))
    except TransitionNotAllowed as exc:
        messages.error(request, str(exc.message))
        return _render_detail(request, _get_project(request, pk), status=409)
    except (DomainError, ValidationError) as exc:
        _form_error(form, exc)
        return _render_detail(request, _get_project(request, pk), bound=(action, form), status=400)
    messages.success(request, success)
    if not Project.objects.visible_to(request.user).filter(pk=pk).exists():
        return redirect("connections:list")
    return redirect("connections:detail", pk=pk)


@require_GET
def attachment_download(request, pk: int):
    if not has_pages(request.user):
        raise PermissionDenied
    attachment = get_object_or_404(ProjectAttachment.objects.visible_to(request.user), pk=pk)
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
@allowed_to(policy.POLICY, "view")
def customer_tab(request, pk: int):
    """The customer 360 tab (a fragment): the customer's projects the user may see."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    projects = _list_queryset(request.user).filter(customer=customer).order_by("-accepted_at")[:50]
    today = timezone.localdate()
    return render(
        request,
        "connections/customer_tab.html",
        {
            "customer": customer,
            "rows": [review_row(p, today=today) for p in projects],
            "can_create": policy.may(request.user, "create"),
        },
    )


@require_GET
@allowed_to(policy.POLICY, "review")
def weekly_review(request):
    """The weekly project review (周例会): every open project, most urgent first."""
    filters = ProjectFilterForm(request.GET or None, user=request.user)
    queryset = review_queryset(request.user)
    if filters.is_bound:
        queryset = filters.filter(queryset)
    fmt = request.GET.get("export")
    if fmt in FORMATS:
        header, rows = review_table(queryset)
        stamp = timezone.localdate().isoformat()
        return export_response(
            fmt,
            filename=f"connection-review-{stamp}",
            title=_("Weekly project review"),
            header=header,
            rows=rows,
        )
    page = Paginator(queryset, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "connections/review.html",
        {
            "filters": filters,
            "page_obj": page,
            "rows": [review_row(p, today=today) for p in page.object_list],
            "query": request.GET.urlencode(),
        },
    )
