"""What the business does with connection projects (业扩报装).

Every write runs in one transaction on the locked project, checks the role (connections.policy)
and the status (the one transition map, `check_action`), records a ProjectEvent, and raises
DomainError (400), TransitionNotAllowed (409) or PermissionDenied (403) when refused. The clock
rules are in connections.clock; registration in connections.intake; the register's update at
energization in connections.energization.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.actors import Actor
from common.errors import DomainError, TransitionNotAllowed
from common.moments import check_happened
from connections import clock, policy
from connections.energization import apply_to_register
from connections.events import close_all_project_followups, close_project_followups, record_event

# Registration lives in connections.intake; it is part of this module's interface.
from connections.intake import EDITABLE_FIELDS, check_fields, create_project  # noqa: F401
from connections.models import (
    PROJECT_MACHINE,
    EventKind,
    Project,
    ProjectStep,
    Status,
    StepStatus,
    Wait,
    WaitKind,
)
from connections.runs import end_run, set_step_dues, start_run


def lock_project(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


def check_action(project: Project, action: str) -> None:
    """Refuse (409) an action the project's status does not allow: the one transition check."""
    PROJECT_MACHINE.check(project, action)
    if action == "archive" and project.archived_at is not None:
        raise TransitionNotAllowed("already_archived", _("The project is already archived."))


def _steps(project: Project) -> list[ProjectStep]:
    return list(
        ProjectStep.objects.select_for_update().filter(project=project).order_by("position")
    )


def _current(project: Project, steps: list[ProjectStep]) -> ProjectStep:
    step = clock.current_step_of(project, steps)
    assert step is not None, "a live project always has a current step"
    return step


def _required_text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError("required", _("Give the reason."), field=field)
    return value


def _moment(at: dt.datetime | None, *, field: str, not_before: dt.datetime | None) -> dt.datetime:
    """When an action happened: now, or a past time not before the step's start."""
    moment = check_happened(at, field=field) if at is not None else timezone.now()
    if not_before is not None and moment < not_before:
        raise DomainError(
            "before_start",
            _("This time is before the step began (%(start)s).")
            % {"start": f"{timezone.localtime(not_before):%Y-%m-%d %H:%M}"},
            field=field,
        )
    return moment


PROJECT_CLOCK_FIELDS = ["status", "current_step", "closed_working_days", "due_on", "updated_at"]


@transaction.atomic
def finish_step(
    project: Project,
    *,
    acting_user: Actor,
    at: dt.datetime | None = None,
    notes: str = "",
) -> Project:
    """Finish the current step; the next one starts at the same moment. Finishing the last
    step (装表接电) energizes the project and updates (or creates) the customer."""
    policy.require(acting_user, "finish")
    project = lock_project(project)
    check_action(project, "finish")
    steps = _steps(project)
    current = _current(project, steps)
    at = _moment(at, field="at", not_before=current.run_started_at)
    run = end_run(project, current, at)
    current.working_days = current.days_before + run
    current.finished_at = at
    current.status = StepStatus.DONE
    current.breached = current.breached or clock.is_missed(
        current.working_days, current.limit_working_days
    )
    current.regulator_breached = current.regulator_breached or clock.is_missed(
        current.working_days, current.regulator_working_days
    )
    current.notes = (notes or "").strip()
    current.save()
    close_project_followups(project, current.step)
    following = [s for s in steps if s.position > current.position]
    if not following:
        return _energize(project, acting_user=acting_user, at=at, step=current)
    start_run(project, following[0], at)
    project.save(update_fields=PROJECT_CLOCK_FIELDS)
    record_event(
        project,
        EventKind.FINISHED,
        actor=acting_user,
        at=at,
        step=current.step,
        message=current.notes,
        data={"working_days": current.working_days, "next": following[0].step},
    )
    return project


def _energize(project: Project, *, acting_user: Actor, at: dt.datetime, step) -> Project:
    check_action(project, "energize")
    customer = apply_to_register(project, acting_user=acting_user)
    previous = project.status
    project.customer = customer
    project.status = Status.ENERGIZED
    project.energized_at = at
    project.due_on = None
    project.utility_working_days_final = project.closed_working_days
    project.breached = project.breached or clock.is_missed(
        project.closed_working_days, project.limit_working_days
    )
    project.save(
        update_fields=[
            *PROJECT_CLOCK_FIELDS,
            "customer",
            "energized_at",
            "utility_working_days_final",
            "breached",
        ]
    )
    close_all_project_followups(project)
    record_event(
        project,
        EventKind.ENERGIZED,
        actor=acting_user,
        at=at,
        step=step.step,
        from_status=previous,
        to_status=project.status,
        message=step.notes,
        data={"working_days": project.closed_working_days, "customer": customer.pk},
    )
    return project


@transaction.atomic
def return_step(project: Project, *, acting_user: Actor, reason: str) -> Project:
    """Send the project back to the previous step (e.g. the design failed its review): the
    current step's days are kept, the previous step runs again."""
    policy.require(acting_user, "return")
    project = lock_project(project)
    check_action(project, "return")
    reason = _required_text(reason, "reason")
    steps = _steps(project)
    current = _current(project, steps)
    earlier = [s for s in steps if s.position < current.position]
    if len(earlier) < 2:
        raise TransitionNotAllowed(
            "nothing_to_return_to",
            _("The first step after the application has no step before it to go back to."),
        )
    now = timezone.now()
    run = end_run(project, current, now)
    current.days_before += run
    current.status = StepStatus.PENDING
    current.run_started_at = None
    current.waited_days = 0
    current.due_on = current.regulator_due_on = None
    current.save()
    close_project_followups(project, current.step)
    previous = earlier[-1]
    previous.days_before = previous.working_days or previous.days_before
    start_run(project, previous, now)
    project.save(update_fields=PROJECT_CLOCK_FIELDS)
    record_event(
        project,
        EventKind.RETURNED,
        actor=acting_user,
        at=now,
        step=current.step,
        message=reason,
        data={"to": previous.step, "working_days": run},
    )
    return project


@transaction.atomic
def wait_for_customer(
    project: Project,
    *,
    acting_user: Actor,
    reason: str,
    kind: str = WaitKind.OTHER,
    at: dt.datetime | None = None,
) -> Wait:
    """Stop the clock: the utility waits for the customer (documents, its own construction,
    or a pause it asked for — `suspend_project`)."""
    action = "suspend" if kind == WaitKind.CUSTOMER_PAUSE else "wait"
    policy.require(acting_user, action)
    project = lock_project(project)
    check_action(project, action)
    reason = _required_text(reason, "reason")
    if kind not in WaitKind.values:
        raise DomainError("invalid_choice", _("Choose a kind of wait."), field="kind")
    steps = _steps(project)
    current = _current(project, steps)
    at = _moment(at, field="at", not_before=current.run_started_at)
    wait = Wait.objects.create(
        project=project, step=current.step, kind=kind, reason=reason, started_at=at
    )
    previous = project.status
    project.status = Status.WAITING_CUSTOMER
    project.waiting_since = at
    project.save(update_fields=["status", "waiting_since", "updated_at"])
    current.status = StepStatus.WAITING
    current.save(update_fields=["status"])
    close_project_followups(project, current.step)
    record_event(
        project,
        EventKind.WAITING,
        actor=acting_user,
        at=at,
        step=current.step,
        from_status=previous,
        to_status=project.status,
        message=reason,
        data={"kind": kind, "wait": wait.pk},
    )
    return wait


def suspend_project(
    project: Project, *, acting_user: Actor, reason: str, at: dt.datetime | None = None
) -> Wait:
    """Suspend the project at the customer's request (暂停): a wait of its own kind."""
    return wait_for_customer(
        project, acting_user=acting_user, reason=reason, kind=WaitKind.CUSTOMER_PAUSE, at=at
    )


def _close_wait(project: Project, at: dt.datetime) -> Wait:
    wait = Wait.objects.select_for_update().get(project=project, ended_at__isnull=True)
    if at < wait.started_at:
        raise DomainError(
            "before_wait",
            _("This time is before the wait began (%(start)s).")
            % {"start": f"{timezone.localtime(wait.started_at):%Y-%m-%d %H:%M}"},
            field="at",
        )
    wait.ended_at = at
    wait.working_days = clock.days_between(clock.day_of(wait.started_at), clock.day_of(at))
    wait.save(update_fields=["ended_at", "working_days"])
    return wait


@transaction.atomic
def resume_project(
    project: Project, *, acting_user: Actor, at: dt.datetime | None = None, note: str = ""
) -> Project:
    """The customer is done: the clock runs again, the due dates move by the days waited."""
    policy.require(acting_user, "resume")
    project = lock_project(project)
    check_action(project, "resume")
    at = _moment(at, field="at", not_before=None)
    wait = _close_wait(project, at)
    current = _current(project, _steps(project))
    current.waited_days += wait.working_days or 0
    current.status = StepStatus.IN_PROGRESS
    set_step_dues(current)
    current.save(update_fields=["waited_days", "status", "due_on", "regulator_due_on"])
    previous = project.status
    project.status = Status.OPEN
    project.waiting_since = None
    project.due_on = clock.project_due(project, current)
    project.save(update_fields=["status", "waiting_since", "due_on", "updated_at"])
    record_event(
        project,
        EventKind.RESUMED,
        actor=acting_user,
        at=at,
        step=current.step,
        from_status=previous,
        to_status=project.status,
        message=(note or "").strip(),
        data={"wait": wait.pk, "waited_working_days": wait.working_days},
    )
    return project


@transaction.atomic
def cancel_project(project: Project, *, acting_user: Actor, reason: str) -> Project:
    """Cancel the project (the customer withdrew, or the application cannot go ahead)."""
    policy.require(acting_user, "cancel")
    project = lock_project(project)
    check_action(project, "cancel")
    reason = _required_text(reason, "reason")
    now = timezone.now()
    current = _current(project, _steps(project))
    run = end_run(project, current, now)
    if project.waiting_since is not None:
        _close_wait(project, now)
    current.working_days = current.days_before + run
    current.status = StepStatus.CANCELLED
    current.save(update_fields=["working_days", "status"])
    previous = project.status
    project.status = Status.CANCELLED
    project.cancelled_at = now
    project.cancel_reason = reason
    project.waiting_since = None
    project.due_on = None
    project.utility_working_days_final = project.closed_working_days
    project.save(
        update_fields=[
            *PROJECT_CLOCK_FIELDS,
            "cancelled_at",
            "cancel_reason",
            "waiting_since",
            "utility_working_days_final",
        ]
    )
    close_all_project_followups(project)
    record_event(
        project,
        EventKind.CANCELLED,
        actor=acting_user,
        at=now,
        step=current.step,
        from_status=previous,
        to_status=project.status,
        message=reason,
    )
    return project


@transaction.atomic
def archive_project(project: Project, *, acting_user: Actor) -> Project:
    """File an ended project with its documents (归档): it leaves the working lists."""
    policy.require(acting_user, "archive")
    project = lock_project(project)
    check_action(project, "archive")
    project.archived_at = timezone.now()
    project.save(update_fields=["archived_at", "updated_at"])
    record_event(project, EventKind.ARCHIVED, actor=acting_user, at=project.archived_at)
    return project


@transaction.atomic
def update_project(project: Project, *, acting_user: Actor, **fields) -> Project:
    """Change a live project's details (not its kind, scheme or customer: those decide its
    steps; cancel and register again instead)."""
    policy.require(acting_user, "update")
    project = lock_project(project)
    check_action(project, "update")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    check_fields(project, acting_user=acting_user, fields=fields)
    changed = [name for name, value in fields.items() if getattr(project, name) != value]
    for name in changed:
        setattr(project, name, fields[name])
    if changed:
        project.save(update_fields=[*changed, "updated_at"])
        record_event(
            project,
            EventKind.UPDATED,
            actor=acting_user,
            data={"fields": sorted(changed)},
        )
    return project
