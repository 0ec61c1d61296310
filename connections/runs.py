"""Starting and ending a step's run: the stored due dates follow the clock (connections.clock)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from connections import clock
from connections.models import Project, ProjectStep, StepStatus


def start_run(project: Project, step: ProjectStep, at: dt.datetime) -> None:
    """Start (or restart) the clock of `step` at `at` and make it the current step."""
    step.status = StepStatus.IN_PROGRESS
    step.started_at = step.started_at or at
    step.run_started_at = at
    step.finished_at = None
    step.working_days = None
    step.waited_days = 0
    step.warned_at = None
    set_step_dues(step)
    step.save()
    project.current_step = step.step
    project.due_on = clock.project_due(project, step)


def set_step_dues(step: ProjectStep) -> None:
    step.due_on = clock.step_due(step, limit=step.limit_working_days)
    step.regulator_due_on = clock.step_due(step, limit=step.regulator_working_days)


def end_run(project: Project, step: ProjectStep, at: dt.datetime) -> int:
    """Close the step's current run at `at`: its days go to the project's closed days."""
    run = clock.run_days(step, end=clock.day_of(at), waiting_since=project.waiting_since)
    project.closed_working_days += run
    return run


def recompute_due_dates(*, year: int) -> int:
    """A year's official calendar was entered: recompute the due dates of the running steps
    and projects whose count reaches into it (they were counted on the provisional calendar).
    Idempotent; returns how many projects changed."""
    changed = 0
    live = ProjectStep.objects.filter(
        status__in=(StepStatus.IN_PROGRESS, StepStatus.WAITING),
        run_started_at__isnull=False,
        due_on__year__gte=year,
    ).values_list("project_id", flat=True)
    for project_id in sorted(set(live)):
        with transaction.atomic():
            project = Project.objects.select_for_update().get(pk=project_id)
            step = ProjectStep.objects.get(project=project, step=project.current_step)
            before = (step.due_on, step.regulator_due_on, project.due_on)
            set_step_dues(step)
            project.due_on = clock.project_due(project, step)
            if before != (step.due_on, step.regulator_due_on, project.due_on):
                step.save(update_fields=["due_on", "regulator_due_on"])
                project.save(update_fields=["due_on", "updated_at"])
                changed += 1
    return changed
