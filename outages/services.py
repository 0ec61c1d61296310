"""What the business does with planned outages: the workflow, impacts, notices, follow-ups.

Every state change goes through `transition`, which locks the outage, checks the one map of
allowed transitions (`outages.models.TRANSITIONS`) and writes an OutageEvent. Notices are
never sent here: services plan the rows and dispatch the batch task on commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts_manager.models import FollowUp, FollowUpStatus, NoticeCategory
from accounts_manager.services import notify_user, supervisors_of_regions
from common.actors import SYSTEM, Actor, person
from common.errors import DomainError
from common.moments import check_date
from common.roles import Role, role_of, sees_everything
from grid.models import Feeder
from outages import events, impacts, notices, policy, progress
from outages.models import (
    IMPACT_STATUSES,
    Notification,
    NotificationKind,
    NotificationStatus,
    OutageKind,
    OutageStatus,
    PlannedOutage,
)

logger = logging.getLogger(__name__)


# --- validation -----------------------------------------------------------------------------


def required_lead_time(kind: str) -> dt.timedelta | None:
    """The notice lead time of a kind (电力供应与使用条例 art. 28); None for emergencies.

    Construction outages are planned work and keep the planned-maintenance lead time.
    """
    if kind in (OutageKind.PLANNED, OutageKind.CONSTRUCTION):
        return settings.OUTAGE_LEAD_TIME_PLANNED
    if kind == OutageKind.TEMPORARY:
        return settings.OUTAGE_LEAD_TIME_TEMPORARY
    return None


def describe_lead_time(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours % 24 == 0:
        return _("%(n)d days") % {"n": hours // 24}
    return _("%(n)d hours") % {"n": hours}


def check_lead_time(
    *, kind: str, start: dt.datetime, override_reason: str, now: dt.datetime | None = None
) -> bool:
    """Whether the lead time was overridden; refuses a short lead time without a reason."""
    lead = required_lead_time(kind)
    now = now or timezone.now()
    if lead is None or start - now >= lead:
        return False
    if not override_reason.strip():
        raise DomainError(
            "lead_time",
            _(
                "This outage must be notified at least %(lead)s before it starts. Give the "
                "reason for the shorter notice to go ahead."
            )
            % {"lead": describe_lead_time(lead)},
            field="override_reason",
        )
    return True


def _check_times(start, end) -> None:
    if start is None or end is None:
        raise DomainError(
            "times_required",
            _("Give the start and the expected end."),
            field="start" if start is None else "end",
        )
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise DomainError("naive_time", _("Give times with their time zone."), field="start")
    if end <= start:
        raise DomainError("end_before_start", _("The end must be after the start."), field="end")
    check_date(start, field="start", kind="planned")
    check_date(end, field="end", kind="planned")


def _check_feeders(feeders: Sequence[Feeder], acting_user) -> None:

    if not feeders:
        raise DomainError("feeders_required", _("Choose at least one feeder."), field="feeders")
    if role_of(acting_user) == Role.SUPERVISOR and not sees_everything(acting_user):
        foreign = sorted(f.code for f in feeders if f.region_id != acting_user.region_id)
        if foreign:
            raise DomainError(
                "feeder_outside_region",
                _("These feeders are outside your region: %(codes)s.")
                % {"codes": ", ".join(foreign)},
                field="feeders",
            )


# --- creating and editing -------------------------------------------------------------------


@transaction.atomic
def create_outage(
    *,
    acting_user: Actor,
    kind: str,
    reason: str,
    feeders: Sequence[Feeder],
    start: dt.datetime,
    end: dt.datetime,
    area: str = "",
    override_reason: str = "",
) -> PlannedOutage:
    """Enter a draft outage on `feeders`, with the next reference number of its start year."""
    policy.check(acting_user, "create")
    if kind not in OutageKind.values:
        raise DomainError("invalid_kind", _("Unknown kind of outage."), field="kind")
    if not reason.strip():
        raise DomainError("reason_required", _("Give the reason for the outage."), field="reason")
    _check_times(start, end)
    _check_feeders(feeders, acting_user)
    year = timezone.localtime(start).year
    outage = PlannedOutage.objects.create(
        reference=events.next_reference(year),
        kind=kind,
        reason=reason.strip(),
        area=area.strip(),
        start=start,
        end=end,
        override_reason=override_reason.strip(),
        created_by=person(acting_user),
    )
    outage.feeders.set(feeders)
    events.record_event(
        outage,
        action="create",
        actor=person(acting_user),
        from_status=outage.status,
        message=_("Entered"),
        data={
            "feeders": sorted(f.code for f in feeders),
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
    )
    return outage


EDITABLE_FIELDS = ("kind", "reason", "area", "override_reason")


@transaction.atomic
def update_outage(
    outage: PlannedOutage,
    *,
    acting_user: Actor,
    feeders: Sequence[Feeder] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    **fields,
) -> PlannedOutage:
    """Change an outage before it starts. After approval the times change by `reschedule`,
    and a new feeder list refreshes the affected customers at once."""
    policy.check(acting_user, "edit")
    outage = events.locked(outage)
    outage.check_action("edit")
    frozen = outage.status in IMPACT_STATUSES
    changes: dict[str, object] = {}
    if (start is not None and start != outage.start) or (end is not None and end != outage.end):
        if frozen:
            raise DomainError(
                "use_reschedule",
                _(
                    "The outage is approved: change its times with “Reschedule”, "
                    "so that customers are told."
                ),
                field="start",
            )
        new_start, new_end = start or outage.start, end or outage.end
        _check_times(new_start, new_end)
        changes.update(start=new_start.isoformat(), end=new_end.isoformat())
        outage.start, outage.end = new_start, new_end
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            continue
        value = value.strip() if isinstance(value, str) else value
        if name == "kind" and frozen and value != outage.kind:
            raise DomainError(
                "kind_frozen", _("The kind cannot change after approval."), field="kind"
            )
        if name == "kind" and value not in OutageKind.values:
            raise DomainError("invalid_kind", _("Unknown kind of outage."), field="kind")
        if name == "reason" and not value:
            raise DomainError(
                "reason_required", _("Give the reason for the outage."), field="reason"
            )
        if getattr(outage, name) != value:
            changes[name] = value
            setattr(outage, name, value)
    feeders_changed = False
    if feeders is not None:
        _check_feeders(feeders, acting_user)
        old = set(outage.feeders.values_list("code", flat=True))
        new = {f.code for f in feeders}
        if old != new:
            feeders_changed = True
            outage.feeders.set(feeders)
            changes["feeders"] = {"added": sorted(new - old), "removed": sorted(old - new)}
    if not changes:
        return outage
    outage.save(update_fields=[*(k for k in changes if k not in ("feeders",)), "updated_at"])
    events.record_event(
        outage,
        action="edit",
        actor=person(acting_user),
        from_status=outage.status,
        message=_("Edited"),
        data=changes,
    )
    if feeders_changed and frozen:
        impacts.apply_impact_changes(outage, acting_user=acting_user)
    return outage


# --- the workflow ---------------------------------------------------------------------------


@transaction.atomic
def submit_outage(outage: PlannedOutage, *, acting_user: Actor) -> PlannedOutage:
    policy.check(acting_user, "submit")
    outage = events.locked(outage)
    outage = events.transition(outage, "submit", acting_user=acting_user, message=_("Submitted"))
    _ask_for_approval(outage)
    return outage


def _ask_for_approval(outage: PlannedOutage) -> None:
    """The supervisors of the outage's feeders' regions are told it waits for approval."""
    region_ids = set(outage.feeders.values_list("region_id", flat=True))
    for supervisor in supervisors_of_regions(region_ids - {None}):
        notify_user(
            supervisor,
            # One notice per submission (a returned outage may be submitted again).
            key=f"outage:{outage.pk}:approval:{outage.updated_at:%Y%m%d%H%M%S%f}",
            title=_("Outage waiting for your approval: %(ref)s") % {"ref": outage.reference},
            body=_("%(reason)s, from %(start)s")
            % {
                "reason": outage.reason,
                "start": timezone.localtime(outage.start).strftime("%Y-%m-%d %H:%M"),
            },
            link=outage.get_absolute_url(),
            category=NoticeCategory.APPROVAL,
        )


@transaction.atomic
def approve_outage(
    outage: PlannedOutage, *, acting_user: Actor, override_reason: str | None = None
) -> PlannedOutage:
    """Approve: check the lead time, freeze the affected customers, raise follow-ups.

    An emergency outage starts notifying at once.
    """
    policy.check(acting_user, "approve")
    outage = events.locked(outage)
    outage.check_action("approve")
    now = timezone.now()
    reason = (override_reason if override_reason is not None else outage.override_reason).strip()
    if outage.kind != OutageKind.EMERGENCY and outage.start <= now:
        raise DomainError(
            "already_started",
            _("The start has passed; reschedule the outage before approving it."),
            field="start",
        )
    overridden = check_lead_time(
        kind=outage.kind, start=outage.start, override_reason=reason, now=now
    )
    outage.override_reason = reason if overridden else outage.override_reason
    outage.approved_by, outage.approved_at = person(acting_user), now
    data: dict[str, float | str] = {
        "lead_time_hours": round((outage.start - now).total_seconds() / 3600, 1)
    }
    message = pgettext("outage", "Approved")
    if overridden:
        data["override_reason"] = reason
        message = _("Approved with a short notice: %(reason)s") % {"reason": reason}
    events.transition(
        outage,
        "approve",
        acting_user=acting_user,
        message=message,
        data=data,
        fields=["override_reason", "approved_by", "approved_at"],
    )
    impacts.apply_impact_changes(outage, acting_user=acting_user)
    if outage.kind == OutageKind.EMERGENCY:
        _start_notifying(outage, acting_user=acting_user)
    return outage


def _start_notifying(outage: PlannedOutage, *, acting_user: Actor) -> int:
    added = notices.plan_notices(outage)
    pending = Notification.objects.filter(
        outage=outage, status=NotificationStatus.PENDING, kind=NotificationKind.NOTICE
    ).count()
    events.transition(
        outage,
        "notify",
        acting_user=acting_user,
        message=_("Notices planned: %(n)d new") % {"n": added},
        data={"planned": added, "pending": pending},
    )
    if pending:
        events.dispatch_notices(outage, pending)
    else:
        transaction.on_commit(lambda: settle_notices(outage.pk))
    return added


@transaction.atomic
def notify_outage(outage: PlannedOutage, *, acting_user: Actor) -> PlannedOutage:
    """Start (or resume) the notice batch. Running it again plans only what is missing."""
    policy.check(acting_user, "notify")
    outage = events.locked(outage)
    outage.check_action("notify")
    _start_notifying(outage, acting_user=acting_user)
    return outage


@transaction.atomic
def reschedule_outage(
    outage: PlannedOutage,
    *,
    acting_user: Actor,
    start: dt.datetime,
    end: dt.datetime,
    override_reason: str = "",
) -> PlannedOutage:
    """New times. Customers already told get a change notice; the lead time is checked again
    once the outage is approved. A running outage can only move its expected end."""
    policy.check(acting_user, "reschedule")
    outage = events.locked(outage)
    outage.check_action("reschedule")
    _check_times(start, end)
    if start == outage.start and end == outage.end:
        raise DomainError("unchanged", _("These are the current times."), field="start")
    if outage.status == OutageStatus.IN_PROGRESS and start != outage.start:
        raise DomainError(
            "already_started",
            _("The outage is under way: only the expected end can change."),
            field="start",
        )
    data: dict[str, object] = {
        "from": {"start": outage.start.isoformat(), "end": outage.end.isoformat()},
        "to": {"start": start.isoformat(), "end": end.isoformat()},
    }
    if (
        outage.status in IMPACT_STATUSES
        and start != outage.start
        and check_lead_time(kind=outage.kind, start=start, override_reason=override_reason)
    ):
        outage.override_reason = override_reason.strip()
        data["override_reason"] = outage.override_reason
    outage.start, outage.end = start, end
    outage.schedule_revision += 1
    events.transition(
        outage,
        "reschedule",
        acting_user=acting_user,
        data=data,
        message=_("Rescheduled to %(start)s – %(end)s")
        % {
            "start": timezone.localtime(start).strftime("%Y-%m-%d %H:%M"),
            "end": timezone.localtime(end).strftime("%Y-%m-%d %H:%M"),
        },
        fields=["start", "end", "schedule_revision", "override_reason"],
    )
    added = notices.plan_follow_on(
        outage, kind=NotificationKind.CHANGE, revision=outage.schedule_revision
    )
    events.dispatch_notices(outage, added)
    impacts.move_followups_due(outage)
    return outage


@transaction.atomic
def cancel_outage(outage: PlannedOutage, *, acting_user: Actor, reason: str = "") -> PlannedOutage:
    """Cancel; whoever was told gets a cancellation notice, and unsent notices are dropped."""
    policy.check(acting_user, "cancel")
    outage = events.locked(outage)
    outage.cancel_reason = reason.strip()
    events.transition(
        outage,
        "cancel",
        acting_user=acting_user,
        fields=["cancel_reason"],
        message=pgettext("outage", "Cancelled") + (f": {outage.cancel_reason}" if reason else ""),
    )
    notices.drop_pending(
        outage,
        kinds=[NotificationKind.NOTICE, NotificationKind.CHANGE],
        reason="outage cancelled before sending",
    )
    events.dispatch_notices(
        outage, notices.plan_follow_on(outage, kind=NotificationKind.CANCELLATION)
    )
    FollowUp.objects.open().filter(source=events.source_of(outage)).update(
        status=FollowUpStatus.CANCELLED, closed_at=timezone.now(), updated_at=timezone.now()
    )
    return outage


@transaction.atomic
def start_outage(outage: PlannedOutage, *, acting_user: Actor) -> PlannedOutage:
    policy.check(acting_user, "start")
    outage = events.locked(outage)
    outage.started_at = timezone.now()
    events.transition(
        outage, "start", acting_user=acting_user, message=_("Supply cut"), fields=["started_at"]
    )
    progress.outage_progressed(outage, action="start")
    return outage


@transaction.atomic
def complete_outage(outage: PlannedOutage, *, acting_user: Actor) -> PlannedOutage:
    """Supply is back: everyone who was told gets a restoration notice."""
    policy.check(acting_user, "complete")
    outage = events.locked(outage)
    outage.completed_at = timezone.now()
    events.transition(
        outage,
        "complete",
        acting_user=acting_user,
        message=_("Supply restored"),
        fields=["completed_at"],
    )
    progress.outage_progressed(outage, action="complete")
    notices.drop_pending(
        outage,
        kinds=[NotificationKind.NOTICE, NotificationKind.CHANGE],
        reason="superseded: supply already restored",
    )
    events.dispatch_notices(
        outage, notices.plan_follow_on(outage, kind=NotificationKind.RESTORATION)
    )
    FollowUp.objects.open().filter(source=events.source_of(outage)).update(
        status=FollowUpStatus.CANCELLED, closed_at=timezone.now(), updated_at=timezone.now()
    )
    return outage


def settle_notices(outage_id: int) -> None:
    """After a batch run: finish notifying when no notice is pending, and raise follow-ups
    for customers none of whose notices got through."""
    with transaction.atomic():
        outage = PlannedOutage.objects.select_for_update().filter(pk=outage_id).first()
        if outage is None:
            return
        for impact in notices.customers_without_reach(outage).select_related("customer"):
            impact.reachable = False
            impact.save(update_fields=["reachable"])
            impacts.raise_unreachable(outage, impact.customer)
        if outage.status == OutageStatus.NOTIFYING and not notices.has_unfinished(
            outage, [NotificationKind.NOTICE]
        ):
            counts = notices.progress(outage).get(NotificationKind.NOTICE, {})
            events.transition(
                outage,
                "finish_notifying",
                acting_user=SYSTEM,
                message=_("All notices handled"),
                data=counts,
            )
