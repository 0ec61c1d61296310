"""Reads of the outages part: impacts with their notice state, coverage, the calendar."""

from __future__ import annotations

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

TOLD_KINDS = (NotificationKind.NOTICE, NotificationKind.CHANGE)


def impacts_with_state(
    outage: PlannedOutage, user=None, *, include_removed: bool = False
) -> QuerySet[OutageImpact]:
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


def coverage(outage: PlannedOutage, user=None) -> dict[str, int]:
    """How far the notices got, counted in customers (API.md coverage), in one query.

    `confirmed` counts customers who confirmed by the link or by a recorded call;
    `important_unconfirmed` counts important customers without a recorded call, which is
    what the rules ask before the start.
    """
    qs = impacts_with_state(outage, user)
    counts = qs.aggregate(
        affected=Count("id"),
        notified=Count("id", filter=Q(notified=True)),
        delivered=Count("id", filter=Q(delivered=True)),
        confirmed=Count("id", filter=Q(confirmed=True)),
        unreachable=Count("id", filter=Q(reachable=False)),
        important_unconfirmed=Count("id", filter=Q(important=True, call_confirmed_at__isnull=True)),
    )
    return {key: value or 0 for key, value in counts.items()}


def coverage_by_outage(outages: list[PlannedOutage], user=None) -> dict[int, dict[str, int]]:
    """Coverage of several outages at once (lists and the dashboard), in one query."""
    ids = [o.pk for o in outages]
    if not ids:
        return {}
    told = Notification.objects.filter(
        outage_id=OuterRef("outage_id"),
        customer_id=OuterRef("customer_id"),
        kind__in=TOLD_KINDS,
    )
    qs = OutageImpact.objects.filter(outage_id__in=ids, removed_at__isnull=True)
    if user is not None:
        qs = qs.visible_to(user)
    rows = (
        qs.annotate(
            notified=Exists(told.filter(status__in=REACHED_STATUSES)),
            delivered=Exists(told.filter(status__in=DELIVERED_STATUSES)),
        )
        .order_by()
        .values("outage_id")
        .annotate(
            affected=Count("id"),
            notified_n=Count("id", filter=Q(notified=True)),
            delivered_n=Count("id", filter=Q(delivered=True)),
            confirmed=Count(
                "id", filter=Q(confirmed_at__isnull=False) | Q(call_confirmed_at__isnull=False)
            ),
            unreachable=Count("id", filter=Q(reachable=False)),
            important_unconfirmed=Count(
                "id", filter=Q(important=True, call_confirmed_at__isnull=True)
            ),
        )
    )
    empty = {
        "affected": 0,
        "notified": 0,
        "delivered": 0,
        "confirmed": 0,
        "unreachable": 0,
        "important_unconfirmed": 0,
    }
    result = {pk: dict(empty) for pk in ids}
    for row in rows:
        result[row["outage_id"]] = {
            "affected": row["affected"],
            "notified": row["notified_n"],
            "delivered": row["delivered_n"],
            "confirmed": row["confirmed"],
            "unreachable": row["unreachable"],
            "important_unconfirmed": row["important_unconfirmed"],
        }
    return result
