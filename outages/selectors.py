"""Reads of the outages part: impacts with their notice state, coverage, the calendar."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)

from outages.models import (
    DELIVERED_STATUSES,
    REACHED_STATUSES,
    Notification,
    NotificationKind,
    OutageImpact,
    PlannedOutage,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

TOLD_KINDS = (NotificationKind.NOTICE, NotificationKind.CHANGE)


class ImpactState(TypedDict):
    """What `impacts_with_state` annotates on each impact."""

    notified: bool
    delivered: bool
    confirmed: bool


def impacts_with_state(
    outage: PlannedOutage, user=None, *, include_removed: bool = False
) -> QuerySet[WithAnnotations[OutageImpact, ImpactState]]:
    """The outage's impacts (those `user` sees), each annotated `notified`, `delivered`,
    `confirmed` and `call_confirmed` — one query whatever the number of rows."""
    qs = OutageImpact.objects.filter(outage=outage)
    if user is not None:
        qs = qs.visible_to(user)
    if not include_removed:
        qs = qs.filter(removed_at__isnull=True)
    told = Notification.objects.filter(
        outage_id=OuterRef("outage_id"),
        customer_id=OuterRef("customer_id"),
        kind__in=TOLD_KINDS,
    )
    return qs.annotate(
        notified=Exists(told.filter(status__in=REACHED_STATUSES)),
        delivered=Exists(told.filter(status__in=DELIVERED_STATUSES)),
        confirmed=ExpressionWrapper(
            Q(confirmed_at__isnull=False) | Q(call_confirmed_at__isnull=False),
            output_field=BooleanField(),
        ),
    ).select_related("customer", "call_confirmed_by")


def _told():
    return Notification.objects.filter(
        outage_id=OuterRef("outage_id"),
        customer_id=OuterRef("customer_id"),
        kind__in=TOLD_KINDS,
    )


def _coverage_counts() -> dict:
    told = _told()
    return {
        "affected": Count("id"),
        "notified": Count("id", filter=Q(Exists(told.filter(status__in=REACHED_STATUSES)))),
        "delivered": Count("id", filter=Q(Exists(told.filter(status__in=DELIVERED_STATUSES)))),
        "confirmed": Count(
            "id", filter=Q(confirmed_at__isnull=False) | Q(call_confirmed_at__isnull=False)
        ),
        "unreachable": Count("id", filter=Q(reachable=False)),
        "important_unconfirmed": Count(
            "id", filter=Q(important=True, call_confirmed_at__isnull=True)
        ),
    }


def coverage(outage: PlannedOutage, user=None) -> dict[str, int]:
    """How far the notices got, counted in customers (API.md coverage), in one query.

    `confirmed` counts customers who confirmed by the link or by a recorded call;
    `important_unconfirmed` counts important customers without a recorded call, which is
    what the rules ask before the start.
    """
    qs = OutageImpact.objects.filter(outage=outage, removed_at__isnull=True)
    if user is not None:
        qs = qs.visible_to(user)
    counts = qs.aggregate(**_coverage_counts())
    return {key: value or 0 for key, value in counts.items()}


def coverage_by_outage(outages: list[PlannedOutage], user=None) -> dict[int, dict[str, int]]:
    """Coverage of several outages at once (lists and the dashboard), in one query."""
    ids = [o.pk for o in outages]
    if not ids:
        return {}
    qs = OutageImpact.objects.filter(outage_id__in=ids, removed_at__isnull=True)
    if user is not None:
        qs = qs.visible_to(user)
    counts = _coverage_counts()
    # Annotation names may not clash with model fields (`reachable`), hence the prefix.
    rows = qs.order_by().values("outage_id").annotate(**{f"n_{k}": v for k, v in counts.items()})
    result = {pk: dict.fromkeys(counts, 0) for pk in ids}
    # (cast: the plugin types the rows by literal field names; these are named at run time)
    for row in cast(Iterable[dict[str, Any]], rows):
        result[row["outage_id"]] = {k: row[f"n_{k}"] for k in counts}
    return result
