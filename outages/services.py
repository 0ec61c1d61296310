"""What the business does with planned outages: the workflow, impacts, notices, follow-ups.

Every state change goes through `_transition`, which locks the outage, checks the one map of
allowed transitions (`outages.models.TRANSITIONS`) and writes an OutageEvent. Notices are
never sent here: services plan the rows and dispatch the batch task on commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts_manager.models import FollowUp, FollowUpKind, FollowUpStatus
from accounts_manager.services import (
    raise_followup,
)
from common import outbox
from common.errors import DomainError
from common.moments import check_date
from common.roles import Role, role_of, sees_everything
from customers.models import IMPORTANT_CLASSES, Customer, CustomerStatus, SupplyPoint
from grid.models import Feeder
from outages import notices, policy, tasks
from outages.models import (
    IMPACT_STATUSES,
    ImpactLevel,
    Notification,
    NotificationKind,
    NotificationStatus,
    OutageEvent,
    OutageImpact,
    OutageKind,
    OutageStatus,
    PlannedOutage,
    ReferenceCounter,
)

logger = logging.getLogger(__name__)


def source_of(outage: PlannedOutage) -> str:
    return f"outage:{outage.pk}"


# --- references and events ------------------------------------------------------------------


def next_reference(year: int) -> str:
    """`TD2026-0001`: the next number of `year`, distinct under concurrent creation.

    Must run inside the creating transaction: the counter row stays locked until it ends.
    """
    updated = ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    if not updated:
        ReferenceCounter.objects.get_or_create(year=year)
        ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    number = ReferenceCounter.objects.get(year=year).last
    return f"TD{year}-{number:04d}"


def record_event(
    outage: PlannedOutage,
    *,
    action: str,
    actor=None,
    message: str = "",
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
) -> OutageEvent:
    return OutageEvent.objects.create(
        outage=outage,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        message=message,
        from_status=from_status,
        to_status=to_status or from_status,
        data=data or {},
    )


def _locked(outage: PlannedOutage) -> PlannedOutage:
    return PlannedOutage.objects.select_for_update().get(pk=outage.pk)


def _transition(
    outage: PlannedOutage,
    action: str,
    *,
    acting_user,
    message: str = "",
    data: dict | None = None,
    fields: Sequence[str] = (),
) -> PlannedOutage:
    """Move the (locked) outage by `action` per TRANSITIONS, save it, and record the event."""
    before = outage.status
    outage.status = outage.check_action(action)
    outage.save(update_fields=list({"status", "updated_at", *fields}))
    record_event(
        outage,
        action=action,
        actor=acting_user,
        message=message,
        from_status=before,
        to_status=outage.status,
        data=data,
    )
    return outage


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
    acting_user,
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
        reference=next_reference(year),
        kind=kind,
        reason=reason.strip(),
        area=area.strip(),
        start=start,
        end=end,
        override_reason=override_reason.strip(),
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    outage.feeders.set(feeders)
    record_event(
        outage,
        action="create",
        actor=acting_user,
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
    acting_user,
    feeders: Sequence[Feeder] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    **fields,
) -> PlannedOutage:
    """Change an outage before it starts. After approval the times change by `reschedule`,
    and a new feeder list refreshes the affected customers at once."""
    policy.check(acting_user, "edit")
    outage = _locked(outage)
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
    record_event(
        outage,
        action="edit",
        actor=acting_user,
        from_status=outage.status,
        message=_("Edited"),
        data=changes,
    )
    if feeders_changed and frozen:
        apply_impact_changes(outage, acting_user=acting_user)
    return outage


# --- the workflow ---------------------------------------------------------------------------


@transaction.atomic
def submit_outage(outage: PlannedOutage, *, acting_user) -> PlannedOutage:
    policy.check(acting_user, "submit")
    outage = _locked(outage)
    return _transition(outage, "submit", acting_user=acting_user, message=_("Submitted"))


@transaction.atomic
def approve_outage(
    outage: PlannedOutage, *, acting_user, override_reason: str | None = None
) -> PlannedOutage:
    """Approve: check the lead time, freeze the affected customers, raise follow-ups.

    An emergency outage starts notifying at once.
    """
    policy.check(acting_user, "approve")
    outage = _locked(outage)
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
    outage.approved_by, outage.approved_at = acting_user, now
    data: dict[str, float | str] = {
        "lead_time_hours": round((outage.start - now).total_seconds() / 3600, 1)
    }
    message = pgettext("outage", "Approved")
    if overridden:
        data["override_reason"] = reason
        message = _("Approved with a short notice: %(reason)s") % {"reason": reason}
    _transition(
        outage,
        "approve",
        acting_user=acting_user,
        message=message,
        data=data,
        fields=["override_reason", "approved_by", "approved_at"],
    )
    apply_impact_changes(outage, acting_user=acting_user)
    if outage.kind == OutageKind.EMERGENCY:
        _start_notifying(outage, acting_user=acting_user)
    return outage


def _dispatch(outage: PlannedOutage, pending: int) -> None:
    """Start enough batch tasks for several workers to share the notices: queued in the
    outbox with the change, published on commit (or once the broker is back)."""

    if pending <= 0:
        return
    chunks = -(-pending // settings.OUTAGE_NOTIFY_CHUNK_SIZE)
    for _i in range(min(chunks, settings.OUTAGE_NOTIFY_PARALLEL_TASKS)):
        outbox.enqueue(tasks.send_outage_notifications, outage.pk)


def _start_notifying(outage: PlannedOutage, *, acting_user) -> int:
    added = notices.plan_notices(outage)
    pending = Notification.objects.filter(
        outage=outage, status=NotificationStatus.PENDING, kind=NotificationKind.NOTICE
    ).count()
    _transition(
        outage,
        "notify",
        acting_user=acting_user,
        message=_("Notices planned: %(n)d new") % {"n": added},
        data={"planned": added, "pending": pending},
    )
    if pending:
        _dispatch(outage, pending)
    else:
        transaction.on_commit(lambda: settle_notices(outage.pk))
    return added


@transaction.atomic
def notify_outage(outage: PlannedOutage, *, acting_user) -> PlannedOutage:
    """Start (or resume) the notice batch. Running it again plans only what is missing."""
    policy.check(acting_user, "notify")
    outage = _locked(outage)
    outage.check_action("notify")
    _start_notifying(outage, acting_user=acting_user)
    return outage


@transaction.atomic
def reschedule_outage(
    outage: PlannedOutage,
    *,
    acting_user,
    start: dt.datetime,
    end: dt.datetime,
    override_reason: str = "",
) -> PlannedOutage:
    """New times. Customers already told get a change notice; the lead time is checked again
    once the outage is approved. A running outage can only move its expected end."""
    policy.check(acting_user, "reschedule")
    outage = _locked(outage)
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
    _transition(
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
    _dispatch(outage, added)
    _move_followups_due(outage)
    return outage


@transaction.atomic
def cancel_outage(outage: PlannedOutage, *, acting_user, reason: str = "") -> PlannedOutage:
    """Cancel; whoever was told gets a cancellation notice, and unsent notices are dropped."""
    policy.check(acting_user, "cancel")
    outage = _locked(outage)
    outage.cancel_reason = reason.strip()
    _transition(
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
    _dispatch(outage, notices.plan_follow_on(outage, kind=NotificationKind.CANCELLATION))
    FollowUp.objects.open().filter(source=source_of(outage)).update(
        status=FollowUpStatus.CANCELLED, closed_at=timezone.now(), updated_at=timezone.now()
    )
    return outage


@transaction.atomic
def start_outage(outage: PlannedOutage, *, acting_user) -> PlannedOutage:
    policy.check(acting_user, "start")
    outage = _locked(outage)
    outage.started_at = timezone.now()
    return _transition(
        outage, "start", acting_user=acting_user, message=_("Supply cut"), fields=["started_at"]
    )


@transaction.atomic
def complete_outage(outage: PlannedOutage, *, acting_user) -> PlannedOutage:
    """Supply is back: everyone who was told gets a restoration notice."""
    policy.check(acting_user, "complete")
    outage = _locked(outage)
    outage.completed_at = timezone.now()
    _transition(
        outage,
        "complete",
        acting_user=acting_user,
        message=_("Supply restored"),
        fields=["completed_at"],
    )
    notices.drop_pending(
        outage,
        kinds=[NotificationKind.NOTICE, NotificationKind.CHANGE],
        reason="superseded: supply already restored",
    )
    _dispatch(outage, notices.plan_follow_on(outage, kind=NotificationKind.RESTORATION))
    FollowUp.objects.open().filter(source=source_of(outage)).update(
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
            _raise_unreachable(outage, impact.customer)
        if outage.status == OutageStatus.NOTIFYING and not notices.has_unfinished(
            outage, [NotificationKind.NOTICE]
        ):
            counts = notices.progress(outage).get(NotificationKind.NOTICE, {})
            _transition(
                outage,
                "finish_notifying",
                acting_user=None,
                message=_("All notices handled"),
                data=counts,
            )


# --- impacts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImpactRow:
    customer_id: int
    impact: str
    important: bool
    has_backup_generator: bool
    affected_feeders: str


@dataclass
class ImpactDiff:
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def resolve_impacts(outage: PlannedOutage) -> dict[int, ImpactRow]:
    """Who the outage cuts off now, from the customers' supply points (one query).

    `full` when every supply point of the customer is on an affected feeder, `partial` when
    another feeder still supplies it. Closed customers are left out.
    """
    feeder_ids = set(outage.feeders.values_list("pk", flat=True))
    touched = SupplyPoint.objects.filter(feeder_id__in=feeder_ids).values("customer_id")
    points: dict[int, dict] = {}
    for customer_id, feeder_id, code, importance, generator in (
        SupplyPoint.objects.filter(customer_id__in=touched)
        .exclude(customer__status=CustomerStatus.CLOSED)
        .values_list(
            "customer_id",
            "feeder_id",
            "feeder__code",
            "customer__importance",
            "customer__has_backup_generator",
        )
    ):
        entry = points.setdefault(
            customer_id, {"all": 0, "hit": [], "importance": importance, "generator": generator}
        )
        entry["all"] += 1
        if feeder_id in feeder_ids:
            entry["hit"].append(code)
    return {
        cid: ImpactRow(
            customer_id=cid,
            impact=ImpactLevel.FULL if len(e["hit"]) == e["all"] else ImpactLevel.PARTIAL,
            important=e["importance"] in IMPORTANT_CLASSES,
            has_backup_generator=bool(e["generator"]),
            affected_feeders=",".join(sorted(e["hit"]))[:300],
        )
        for cid, e in points.items()
    }


def impact_difference(outage: PlannedOutage) -> ImpactDiff:
    """How the grid now differs from the frozen impacts (shown on the outage page)."""
    current = resolve_impacts(outage)
    frozen = {i.customer_id: i for i in OutageImpact.objects.filter(outage=outage).active()}
    diff = ImpactDiff(
        added=sorted(set(current) - set(frozen)),
        removed=sorted(set(frozen) - set(current)),
    )
    for cid in set(current) & set(frozen):
        row, old = current[cid], frozen[cid]
        if (row.impact, row.important, row.has_backup_generator) != (
            old.impact,
            old.important,
            old.has_backup_generator,
        ):
            diff.changed.append(cid)
    diff.changed.sort()
    return diff


def apply_impact_changes(outage: PlannedOutage, *, acting_user=None) -> ImpactDiff:
    """Bring the frozen impacts in line with the grid; tell newly affected customers.

    Run at approval, when the feeder list changes, and by a scheduled job until the start.
    Customers no longer affected keep their row (marked removed) and, if they were told,
    get a notice that the outage no longer affects them.
    """
    policy.check(acting_user, "edit")
    now = timezone.now()
    current = resolve_impacts(outage)
    existing = {i.customer_id: i for i in OutageImpact.objects.filter(outage=outage)}
    reachable = set(
        notices.reachable_contacts(current.keys()).values_list("customer_id", flat=True)
    )
    diff = ImpactDiff()
    create, update = [], []
    for cid, row in current.items():
        old = existing.get(cid)
        values = {
            "impact": row.impact,
            "important": row.important,
            "has_backup_generator": row.has_backup_generator,
            "affected_feeders": row.affected_feeders,
            "reachable": cid in reachable,
        }
        if old is None:
            create.append(OutageImpact(outage=outage, customer_id=cid, created_at=now, **values))
            diff.added.append(cid)
        elif old.removed_at is not None or any(
            getattr(old, k) != v for k, v in values.items() if k != "reachable"
        ):
            (diff.added if old.removed_at is not None else diff.changed).append(cid)
            for k, v in values.items():
                setattr(old, k, v)
            old.removed_at = None
            update.append(old)
    removed = [i for cid, i in existing.items() if cid not in current and i.removed_at is None]
    for impact in removed:
        impact.removed_at = now
        update.append(impact)
        diff.removed.append(impact.customer_id)
    OutageImpact.objects.bulk_create(create)
    OutageImpact.objects.bulk_update(
        update,
        [
            "impact",
            "important",
            "has_backup_generator",
            "affected_feeders",
            "reachable",
            "removed_at",
        ],
    )
    first = not existing
    if diff and not first:
        names = dict(
            Customer.objects.filter(pk__in=[*diff.added, *diff.removed, *diff.changed]).values_list(
                "pk", "account_no"
            )
        )
        record_event(
            outage,
            action="impacts_changed",
            actor=acting_user,
            from_status=outage.status,
            message=_("Affected customers changed: %(a)d added, %(r)d removed, %(c)d changed")
            % {"a": len(diff.added), "r": len(diff.removed), "c": len(diff.changed)},
            data={
                k: [names.get(c, c) for c in getattr(diff, k)]
                for k in ("added", "removed", "changed")
            },
        )
    elif first:
        record_event(
            outage,
            action="impacts_frozen",
            actor=acting_user,
            from_status=outage.status,
            message=_("%(n)d affected customers frozen") % {"n": len(current)},
            data={"affected": len(current)},
        )
    _followups_for(outage, [*diff.added, *diff.changed])
    if removed:
        ids = [i.customer_id for i in removed]
        FollowUp.objects.open().filter(source=source_of(outage), customer_id__in=ids).update(
            status=FollowUpStatus.CANCELLED, closed_at=now, updated_at=now
        )
        notices.drop_pending(
            outage,
            kinds=[NotificationKind.NOTICE, NotificationKind.CHANGE],
            reason="customer no longer affected",
            customer_ids=ids,
        )
        _dispatch(
            outage,
            notices.plan_follow_on(outage, kind=NotificationKind.CANCELLATION, customer_ids=ids),
        )
    if diff.added and outage.status in (OutageStatus.NOTIFYING, OutageStatus.NOTIFIED):
        _dispatch(outage, notices.plan_notices(outage, customer_ids=diff.added))
    return diff


def _followups_for(outage: PlannedOutage, customer_ids: Iterable[int]) -> None:
    impacts = OutageImpact.objects.filter(
        outage=outage, customer_id__in=list(customer_ids), removed_at__isnull=True
    ).select_related("customer")
    for impact in impacts:
        if not impact.reachable:
            _raise_unreachable(outage, impact.customer)
        if impact.important and impact.call_confirmed_at is None:
            _raise_confirm_call(outage, impact.customer)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _raise_unreachable(outage: PlannedOutage, customer: Customer) -> None:
    raise_followup(
        customer,
        kind=FollowUpKind.OUTAGE_UNREACHABLE,
        source=source_of(outage),
        summary=_(
            "No notice reached %(customer)s about outage %(ref)s on %(start)s: tell them "
            "by phone or visit."
        )
        % {"customer": customer.name, "ref": outage.reference, "start": _when(outage.start)},
        due_at=timezone.now(),
        link=outage.get_absolute_url(),
    )


def _confirm_due(outage: PlannedOutage) -> dt.datetime:
    return max(timezone.now(), outage.start - settings.OUTAGE_CONFIRM_ESCALATION_BEFORE)


def _raise_confirm_call(outage: PlannedOutage, customer: Customer) -> None:
    raise_followup(
        customer,
        kind=FollowUpKind.OUTAGE_CONFIRM_CALL,
        source=source_of(outage),
        summary=_(
            "Important customer %(customer)s: call to confirm outage %(ref)s on "
            "%(start)s and record the call."
        )
        % {"customer": customer.name, "ref": outage.reference, "start": _when(outage.start)},
        due_at=_confirm_due(outage),
        link=outage.get_absolute_url(),
    )


def _move_followups_due(outage: PlannedOutage) -> None:
    FollowUp.objects.open().filter(
        source=source_of(outage), kind=FollowUpKind.OUTAGE_CONFIRM_CALL
    ).update(due_at=_confirm_due(outage), updated_at=timezone.now())
    # A new start gives a new chance to confirm before escalation.
    OutageImpact.objects.filter(outage=outage, call_confirmed_at__isnull=True).update(
        escalated_at=None
    )


def refresh_upcoming_impacts(*, now: dt.datetime | None = None) -> int:
    """Apply grid changes to every approved outage that has not started (scheduled job)."""
    now = now or timezone.now()
    changed = 0
    for outage_id in PlannedOutage.objects.filter(
        status__in=IMPACT_STATUSES, start__gt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            outage = PlannedOutage.objects.select_for_update().get(pk=outage_id)
            if outage.status in IMPACT_STATUSES and apply_impact_changes(outage):
                changed += 1
    return changed
