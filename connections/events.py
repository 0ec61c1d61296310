"""The project's event log and the links and keys its notices and follow-ups use."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from accounts_manager.models import FollowUp
from accounts_manager.services import close_followups_for_source
from common.actors import Actor, person
from connections.models import Project, ProjectEvent


def record_event(
    project: Project,
    kind: str,
    *,
    actor: Actor | None = None,
    at: dt.datetime | None = None,
    step: str = "",
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    data: dict | None = None,
) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project,
        kind=kind,
        actor=person(actor),
        at=at or timezone.now(),
        step=step,
        from_status=from_status,
        to_status=to_status if to_status != from_status else "",
        message=message,
        data=data or {},
    )


def project_link(project: Project) -> str:
    return reverse("connections:detail", args=[project.pk])


def project_source(project: Project, suffix: str = "") -> str:
    """The `source` of a follow-up raised for `project` (closed when the matter ends)."""
    return f"connection:{project.pk}:{suffix}" if suffix else f"connection:{project.pk}"


def close_project_followups(project: Project, suffix: str) -> None:
    close_followups_for_source(source=project_source(project, suffix), kinds=["connection"])


def close_all_project_followups(project: Project) -> None:
    """The project ended: nothing of it stays in anyone's queue."""
    prefix = project_source(project, "")
    open_sources = (
        FollowUp.objects.open()
        .filter(kind="connection", source__startswith=f"{prefix}:")
        .values_list("source", flat=True)
    )
    for source in set(open_sources):
        close_followups_for_source(source=source, kinds=["connection"])
