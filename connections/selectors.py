"""Reads of connection projects that pages, the API and the exports share."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from connections import clock
from connections.models import DocumentItem, Project, Wait


def with_blockers(queryset):
    """Annotate `missing_documents` (checklist items not received) and `wait_reason` (the open
    wait's reason, or null) as subqueries: one query whatever the rows."""
    missing = (
        DocumentItem.objects.filter(project=OuterRef("pk"), received_at__isnull=True)
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    waits = (
        Wait.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    open_wait = Wait.objects.filter(project=OuterRef("pk"), ended_at__isnull=True)
    return queryset.annotate(
        missing_documents=Coalesce(
            Subquery(missing, output_field=IntegerField()), Value(0), output_field=IntegerField()
        ),
        wait_count=Coalesce(
            Subquery(waits, output_field=IntegerField()), Value(0), output_field=IntegerField()
        ),
        wait_reason=Subquery(open_wait.values("reason")[:1]),
    )


def review_queryset(user):
    """The weekly review (周例会): every open project the user sees, the most urgent first."""
    return with_blockers(
        Project.objects.visible_to(user)
        .live()
        .filter(archived_at__isnull=True)
        .with_current_step()
        .order_by("due_on", "pk")
    )


def review_row(project: Project, *, today: dt.date | None = None) -> dict:
    """One project of the review: its step, days used and left, waits, blockers, owner."""
    today = today or timezone.localdate()
    # A page of rows prefetches the current step alone (ProjectQuerySet.with_current_step).
    steps = getattr(project, "current_steps", None)
    if steps is None:
        steps = list(project.steps.all())
    used = clock.project_days(project, steps, today=today)
    current = clock.current_step_of(project, steps)
    step_used = clock.step_days(project, current, today=today) if current else 0
    limit = current.limit_working_days if current else None
    return {
        "project": project,
        "used": used,
        "left": project.limit_working_days - used,
        "step": current,
        "step_used": step_used,
        "step_left": None if limit is None else limit - step_used,
        "breached": project.breached
        or clock.is_missed(used, project.limit_working_days)
        or (current is not None and clock.is_missed(step_used, limit)),
    }


def live_counts(queryset) -> dict:
    """Figures of the list: open, waiting for the customer, in breach."""
    return queryset.aggregate(
        open=Count("pk", filter=Q(status="open")),
        waiting=Count("pk", filter=Q(status="waiting_customer")),
        breached=Count("pk", filter=Q(status__in=("open", "waiting_customer"), breached=True)),
    )
