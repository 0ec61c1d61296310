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


def _state_annotations() -> dict[str, Any]:
    """The notice state of an impact row: `notified` (a notice or change reached a contact),
    `delivered` (one was delivered), `confirmed` (by the link or by a recorded call)."""
    told = Notification.objects.filter(
        outage_id=OuterRef("outage_id"),
        customer_id=OuterRef("customer_id"),
        kind__in=TOLD_KINDS,
    )
    return {
        "notified": Exists(told.filter(status__in=REACHED_STATUSES)),
        "delivered": Exists(told.filter(status__in=DELIVERED_STATUSES)),
        "confirmed": ExpressionWrapper(
            Q(confirmed_at__isnull=False) | Q(call_confirmed_at__isnull=False),
            output_field=BooleanField(),
        ),
    }


# The one definition of notice coverage: each figure counts the affected customers (impacts
# not removed) whose state-annotated row matches (None: all of them). `confirmed` counts
# customers who confirmed by the link or by a recorded call; `important_unconfirmed` counts
# important customers without a recorded call, which is what the rules ask before the start.
CONFIRMED = Q(confirmed=True)
UNREACHABLE = Q(reachable=False)
IMPORTANT_UNCONFIRMED = Q(important=True, call_confirmed_at__isnull=True)
COVERAGE: dict[str, Q | None] = {
    "affected": None,
    "notified": Q(notified=True),
    "delivered": Q(delivered=True),
    "confirmed": CONFIRMED,
    "unreachable": UNREACHABLE,
    "important_unconfirmed": IMPORTANT_UNCONFIRMED,
}

# The coverage page's "notice state" filter, by the same conditions.
COVERAGE_STATE_FILTERS: dict[str, Q] = {
    "unreachable": UNREACHABLE,
    "not_notified": Q(notified=False),
    "unconfirmed": Q(confirmed=False),
    "important_unconfirmed": IMPORTANT_UNCONFIRMED,
    "confirmed": CONFIRMED,
}


def impacts_with_state(
    outage: PlannedOutage, user=None, *, include_removed: bool = False
) -> QuerySet[WithAnnotations[OutageImpact, ImpactState]]:
    """The outage's impacts (those `user` sees), each annotated `notified`, `delivered` and
    `confirmed` — one query whatever the number of rows."""
    qs = OutageImpact.objects.filter(outage=outage)
    if user is not None:
        qs = qs.visible_to(user)
    if not include_removed:
        qs = qs.filter(removed_at__isnull=True)
    annotated = qs.annotate(**_state_annotations()).select_related("customer", "call_confirmed_by")
    # (cast: the plugin follows literal annotation names only; these come from one dict)
    return cast("QuerySet[WithAnnotations[OutageImpact, ImpactState]]", annotated)


def coverage(outage: PlannedOutage, user=None) -> dict[str, int]:
    """How far the notices of one outage got, counted in customers (API.md coverage), in one
    query: the figures of `COVERAGE`."""
    return coverage_by_outage([outage.pk], user)[outage.pk]


def coverage_by_outage(
    outages: Iterable[PlannedOutage | int], user=None, *, customers: Q | None = None
) -> dict[int, dict[str, int]]:
    """Coverage (`COVERAGE`) of several outages at once, in one query: the outage API and
    pages (`user`: over the customers they see) and the dashboard (`customers`: a Q over
    OutageImpact restricting the customers counted). Outages with no row count zeros."""
    ids = [o if isinstance(o, int) else o.pk for o in outages]
    if not ids:
        return {}
    qs = OutageImpact.objects.filter(outage_id__in=ids, removed_at__isnull=True)
    if user is not None:
        qs = qs.visible_to(user)
    if customers is not None:
        qs = qs.filter(customers)
    # Count names may not clash with the state annotations or model fields, hence the prefix.
    rows = (
        qs.annotate(**_state_annotations())
        .order_by()
        .values("outage_id")
        .annotate(**{f"n_{k}": Count("pk", filter=q) for k, q in COVERAGE.items()})
    )
    result = {pk: dict.fromkeys(COVERAGE, 0) for pk in ids}
    # (cast: the plugin types the rows by literal field names; these are named at run time)
    for row in cast(Iterable[dict[str, Any]], rows):
        result[row["outage_id"]] = {k: row[f"n_{k}"] for k in COVERAGE}
    return result
