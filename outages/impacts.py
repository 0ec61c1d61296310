"""The customers an outage affects: resolving them from the feeders, applying the grid's changes
to an approved outage, and the follow-ups for important customers (unreachable, calls to
confirm)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager.models import FollowUp, FollowUpKind, FollowUpStatus
from accounts_manager.services import (
    raise_followup,
)
from common.actors import SYSTEM, Actor, person
from customers.models import IMPORTANT_CLASSES, Customer, CustomerStatus, SupplyPoint
from outages import events, notices, policy
from outages.models import (
    IMPACT_STATUSES,
    ImpactLevel,
    NotificationKind,
    OutageImpact,
    OutageStatus,
    PlannedOutage,
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


def apply_impact_changes(outage: PlannedOutage, *, acting_user: Actor) -> ImpactDiff:
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
        events.record_event(
            outage,
            action="impacts_changed",
            actor=person(acting_user),
            from_status=outage.status,
            message=_("Affected customers changed: %(a)d added, %(r)d removed, %(c)d changed")
            % {"a": len(diff.added), "r": len(diff.removed), "c": len(diff.changed)},
            data={
                k: [names.get(c, c) for c in getattr(diff, k)]
                for k in ("added", "removed", "changed")
            },
        )
    elif first:
        events.record_event(
            outage,
            action="impacts_frozen",
            actor=person(acting_user),
            from_status=outage.status,
            message=_("%(n)d affected customers frozen") % {"n": len(current)},
            data={"affected": len(current)},
        )
    _followups_for(outage, [*diff.added, *diff.changed])
    if removed:
        ids = [i.customer_id for i in removed]
        FollowUp.objects.open().filter(source=events.source_of(outage), customer_id__in=ids).update(
            status=FollowUpStatus.CANCELLED, closed_at=now, updated_at=now
        )
        notices.drop_pending(
            outage,
            kinds=[NotificationKind.NOTICE, NotificationKind.CHANGE],
            reason="customer no longer affected",
            customer_ids=ids,
        )
        events.dispatch_notices(
            outage,
            notices.plan_follow_on(outage, kind=NotificationKind.CANCELLATION, customer_ids=ids),
        )
    if diff.added and outage.status in (OutageStatus.NOTIFYING, OutageStatus.NOTIFIED):
        events.dispatch_notices(outage, notices.plan_notices(outage, customer_ids=diff.added))
    return diff


def _followups_for(outage: PlannedOutage, customer_ids: Iterable[int]) -> None:
    impacts = OutageImpact.objects.filter(
        outage=outage, customer_id__in=list(customer_ids), removed_at__isnull=True
    ).select_related("customer")
    for impact in impacts:
        if not impact.reachable:
            raise_unreachable(outage, impact.customer)
        if impact.important and impact.call_confirmed_at is None:
            _raise_confirm_call(outage, impact.customer)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def raise_unreachable(outage: PlannedOutage, customer: Customer) -> None:
    raise_followup(
        customer,
        kind=FollowUpKind.OUTAGE_UNREACHABLE,
        source=events.source_of(outage),
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
        source=events.source_of(outage),
        summary=_(
            "Important customer %(customer)s: call to confirm outage %(ref)s on "
            "%(start)s and record the call."
        )
        % {"customer": customer.name, "ref": outage.reference, "start": _when(outage.start)},
        due_at=_confirm_due(outage),
        link=outage.get_absolute_url(),
    )


def move_followups_due(outage: PlannedOutage) -> None:
    FollowUp.objects.open().filter(
        source=events.source_of(outage), kind=FollowUpKind.OUTAGE_CONFIRM_CALL
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
            if outage.status in IMPACT_STATUSES and apply_impact_changes(
                outage, acting_user=SYSTEM
            ):
                changed += 1
    return changed
