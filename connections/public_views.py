"""The customer's view of its connection project (no login): steps, dates, what the utility
waits for, who to call; and its confirmation that it read the supply plan."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from common.errors import DomainError
from connections.api.serializers import step_rows
from connections.models import DocumentItem, Project, Wait
from connections.paperwork import confirm_plan_read


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def progress(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the project; POST confirms the supply plan was read.

    Confirming takes a POST so that link scanners in mail and SMS apps, which open links by
    GET, do not confirm on the customer's behalf. The token shows only its own project.
    """
    newly, problem = False, ""
    if request.method == "POST":
        try:
            _project, newly = confirm_plan_read(token)
        except DomainError as exc:
            problem = str(exc.message)
    project = (
        Project.objects.filter(progress_token=token)
        .select_related("manager", "region")
        .prefetch_related("steps")
        .first()
    )
    if project is None:
        return render(request, "connections/public_invalid.html", status=404)
    today = timezone.localdate()
    steps = sorted(project.steps.all(), key=lambda s: s.position)
    context = {
        "project": project,
        "steps": zip(steps, step_rows(project, today), strict=True),
        "open_wait": Wait.objects.filter(project=project, ended_at__isnull=True).first(),
        "missing": [
            d for d in DocumentItem.objects.filter(project=project) if d.received_at is None
        ],
        "newly_confirmed": newly,
        "problem": problem,
        "plan_answered": any(s.step == "supply_plan" and s.status == "done" for s in steps),
    }
    return render(
        request, "connections/public_progress.html", context, status=409 if problem else 200
    )
