"""The deadline job of connection projects: warnings before, breaches at, escalations after.

Run every few minutes (connections.tasks.check_connection_deadlines); dates are local working
days (connections.clock). Each step happens once per step run however often the job runs and
however many workers run it: a worker claims a row with a conditional UPDATE on its marker
column (`... WHERE warned_at IS NULL`) and acts only when exactly one row changed (the
healthchecks way); notices and follow-ups carry unique keys besides.

- warning: a running step (or the whole commitment) within CONNECTION_WARNING_WORKING_DAYS of
  its due day — the owner gets it in "my day" (a follow-up for a customer's project; an in-app
  notice always, the only place for an applicant, who has no customer record yet);
- breach: the first working day after a due day with the step unfinished (or the commitment
  used up), the project is marked breached and escalated; the regulator's outer limit is
  recorded the same way, with its own event;
- escalation: each breach raises `escalation_level` and tells the supervisor (notice, and a
  follow-up for a customer's project); while the project stays open in breach, once more every
  further working day. Projects waiting for the customer are skipped: their clock is stopped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager.models import FollowUpKind, User
from accounts_manager.services import notify_user, raise_followup, supervisor_of
from common.roles import Role
from connections import clock
from connections.events import (
    close_project_followups,
    project_link,
    project_source,
    record_event,
)
from connections.models import EventKind, Project, ProjectStep, Status, StepStatus

logger = logging.getLogger(__name__)


def _claim(model, pk: int, marker: str, now: dt.datetime, **conditions) -> bool:
    """Set `marker` on one row still without it; True for the one worker that did."""
    changed = model.objects.filter(pk=pk, **{f"{marker}__isnull": True}, **conditions).update(
        **{marker: now}
    )
    return changed == 1


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(17, 30)))


def _tell_owner(project: Project, *, key: str, title: str, due: dt.date, suffix: str) -> None:
    link = project_link(project)
    notify_user(project.manager, key=f"connection:{project.pk}:{key}", title=title, link=link)
    if project.customer_id is not None:
        raise_followup(
            project.customer,
            kind=FollowUpKind.CONNECTION,
            source=project_source(project, suffix),
            summary=title,
            due_at=_end_of(due),
            manager=project.manager,
            link=link,
        )


def supervisor_for(project: Project) -> User | None:
    """Who answers for the project above its manager: the customer's supervisor, else the
    manager's, else one of the project's region."""
    if project.customer_id is not None:
        found = supervisor_of(project.customer)
        if found is not None:
            return found
    above = project.manager.supervisor
    if above is not None and above.is_active:
        return above
    return (
        User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True, region=project.region_id)
        .order_by("pk")
        .first()
    )


def _label(project: Project) -> str:
    return f"{project.number} {project.applicant_name}"


# --- the steps -------------------------------------------------------------------------------


def _step_warning(step: ProjectStep, today: dt.date, now: dt.datetime) -> bool:
    due = step.due_on
    if due is None or not _claim(
        ProjectStep, step.pk, "warned_at", now, status=StepStatus.IN_PROGRESS
    ):
        return False
    project = step.project
    title = _("Connection %(project)s: %(step)s is due by %(due)s") % {
        "project": _label(project),
        "step": step.get_step_display(),
        "due": due.isoformat(),
    }
    record_event(project, EventKind.WARNING, at=now, step=step.step, message=title)
    _tell_owner(project, key=f"{step.step}:{step.pk}:warn", title=title, due=due, suffix=step.step)
    return True


def _step_breach(step: ProjectStep, today: dt.date, now: dt.datetime) -> bool:
    if step.due_on is None or today < clock.breach_day(step.due_on):
        return False
    if not _claim(ProjectStep, step.pk, "breached_at", now, status=StepStatus.IN_PROGRESS):
        return False
    ProjectStep.objects.filter(pk=step.pk).update(breached=True)
    project = step.project
    title = _("Connection %(project)s: %(step)s missed its limit of %(days)d working days") % {
        "project": _label(project),
        "step": step.get_step_display(),
        "days": step.limit_working_days,
    }
    record_event(project, EventKind.BREACHED, at=now, step=step.step, message=title)
    _tell_owner(
        project, key=f"{step.step}:{step.pk}:breach", title=title, due=today, suffix=step.step
    )
    _mark_breached(project, today=today, now=now, reason=title)
    return True


def _regulator_breach(step: ProjectStep, today: dt.date, now: dt.datetime) -> bool:
    if step.regulator_due_on is None or today < clock.breach_day(step.regulator_due_on):
        return False
    if not _claim(ProjectStep, step.pk, "regulator_breached_at", now, status="in_progress"):
        return False
    ProjectStep.objects.filter(pk=step.pk).update(regulator_breached=True)
    title = _("Connection %(project)s: %(step)s is beyond the regulator's maximum") % {
        "project": _label(step.project),
        "step": step.get_step_display(),
    }
    record_event(
        step.project,
        EventKind.BREACHED,
        at=now,
        step=step.step,
        message=title,
        data={"regulator": True},
    )
    return True


# --- the whole commitment --------------------------------------------------------------------


def _project_warning(project: Project, today: dt.date, now: dt.datetime) -> bool:
    due = project.due_on
    if due is None or not _claim(Project, project.pk, "warned_at", now, status=Status.OPEN):
        return False
    title = _("Connection %(project)s: the commitment of %(days)d working days ends %(due)s") % {
        "project": _label(project),
        "days": project.limit_working_days,
        "due": due.isoformat(),
    }
    record_event(project, EventKind.WARNING, at=now, message=title, data={"commitment": True})
    _tell_owner(project, key="commitment:warn", title=title, due=due, suffix="total")
    return True


def _project_breach(project: Project, today: dt.date, now: dt.datetime) -> bool:
    if project.due_on is None or today < clock.breach_day(project.due_on):
        return False
    if not _claim(Project, project.pk, "breached_at", now, status=Status.OPEN):
        return False
    title = _("Connection %(project)s missed the commitment of %(days)d working days") % {
        "project": _label(project),
        "days": project.limit_working_days,
    }
    record_event(project, EventKind.BREACHED, at=now, message=title, data={"commitment": True})
    _mark_breached(project, today=today, now=now, reason=title)
    return True


def _mark_breached(project: Project, *, today: dt.date, now: dt.datetime, reason: str) -> None:
    """Mark the project breached and escalate once, unless today's escalation is done."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    project.breached = True
    project.save(update_fields=["breached", "updated_at"])
    if project.next_escalation_on is not None and project.next_escalation_on > today:
        return  # already escalated today for another limit
    _escalate(project, levels=1, today=today, now=now, reason=reason)


def _escalate_again(project: Project, today: dt.date, now: dt.datetime) -> bool:
    """Another working day passed with the project open in breach: one level per such day."""
    locked = Project.objects.select_for_update(skip_locked=True).filter(pk=project.pk).first()
    if locked is None or locked.next_escalation_on is None:
        return False
    if locked.next_escalation_on > today or locked.status != Status.OPEN:
        return False
    project = locked
    levels, day = 0, locked.next_escalation_on
    while day <= today:
        levels += 1
        day = clock.add_days(day, 1)
    reason = _("Connection %(project)s is still beyond its limit") % {"project": _label(project)}
    _escalate(project, levels=levels, today=today, now=now, reason=reason)
    return True


def _escalate(project: Project, *, levels: int, today: dt.date, now, reason: str) -> None:
    previous = project.escalation_level
    project.escalation_level += levels
    project.next_escalation_on = clock.add_days(today, 1)
    project.save(update_fields=["escalation_level", "next_escalation_on", "updated_at"])
    level = project.escalation_level
    if previous:
        # The supervisor's item of the previous level is superseded by this one.
        close_project_followups(project, f"escalation:{previous}")
    supervisor = supervisor_for(project)
    record_event(
        project,
        EventKind.ESCALATED,
        at=now,
        message=reason,
        data={"level": level, "supervisor": supervisor.pk if supervisor else None},
    )
    if supervisor is None:
        logger.warning("Connection %s escalated to %d: no supervisor.", project.number, level)
        return
    title = _("Escalation level %(level)d: %(reason)s") % {"level": level, "reason": reason}
    link = project_link(project)
    notify_user(
        supervisor, key=f"connection:{project.pk}:escalation:{level}", title=title, link=link
    )
    if project.customer_id is not None:
        raise_followup(
            project.customer,
            kind=FollowUpKind.CONNECTION,
            source=project_source(project, f"escalation:{level}"),
            summary=title,
            due_at=now,
            manager=supervisor,
            link=link,
        )


# --- the run ---------------------------------------------------------------------------------


def _queries(today: dt.date) -> dict:
    horizon = clock.add_days(today, clock.warning_days())
    running = ProjectStep.objects.filter(status=StepStatus.IN_PROGRESS, project__status="open")
    steps = running.select_related("project__manager", "project__customer")
    projects = Project.objects.filter(status=Status.OPEN).select_related("manager", "customer")
    return {
        "step_warning": (
            steps.filter(
                warned_at__isnull=True,
                breached_at__isnull=True,
                due_on__gte=today,
                due_on__lte=horizon,
            ),
            _step_warning,
        ),
        "step_breach": (steps.filter(breached_at__isnull=True, due_on__lt=today), _step_breach),
        "regulator_breach": (
            steps.filter(regulator_breached_at__isnull=True, regulator_due_on__lt=today),
            _regulator_breach,
        ),
        "project_warning": (
            projects.filter(
                Q(warned_at__isnull=True, breached_at__isnull=True),
                due_on__gte=today,
                due_on__lte=horizon,
            ),
            _project_warning,
        ),
        "project_breach": (
            projects.filter(breached_at__isnull=True, due_on__lt=today),
            _project_breach,
        ),
        "escalation": (projects.filter(next_escalation_on__lte=today), _escalate_again),
    }


def check_deadlines(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every due step once; return how many of each were taken."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    done: Counter[str] = Counter()
    for name, (queryset, step) in _queries(today).items():
        for row in queryset.order_by("pk"):
            with transaction.atomic():
                if step(row, today, now):
                    done[name] += 1
    if done:
        logger.info("connection deadlines: %s", dict(done))
    return {name: done.get(name, 0) for name in _queries(today)}
