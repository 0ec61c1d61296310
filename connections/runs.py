"""Starting and ending a step's run: the stored due dates follow the clock (connections.clock)."""

from __future__ import annotations

import datetime as dt

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
