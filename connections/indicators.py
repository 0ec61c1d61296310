"""Connection-time indicators (获得电力) for the dashboard and the managers' performance.

All over projects energized within a window (their utility-side working days are final) and
the open ones, each figure one SQL statement whatever the number of projects:

- the average utility-side working days per kind and supply scheme;
- the share of energized projects within each limit: the company's commitment on the whole
  time, every step within the company's step limit, every step within the regulator's maximum;
- the open projects in breach;
- the trend per month (energized, average days, share within the commitment).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncMonth

from connections.models import Kind, Project, ProjectStep, Scheme, Status

TWO = Decimal("0.01")


def _ratio(part: int, whole: int) -> float | None:
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))) if whole else None


def _avg(value) -> float | None:
    return None if value is None else float(Decimal(value).quantize(TWO))


def _energized(projects, start: dt.datetime, end: dt.datetime):
    late_step = ProjectStep.objects.filter(project=OuterRef("pk"), breached=True)
    late_regulator = ProjectStep.objects.filter(project=OuterRef("pk"), regulator_breached=True)
    return projects.filter(
        status=Status.ENERGIZED, energized_at__gte=start, energized_at__lt=end
    ).annotate(
        step_late=Exists(late_step),
        regulator_late=Exists(late_regulator),
    )


def _shares(rows) -> dict:
    figures = rows.aggregate(
        n=Count("pk"),
        avg=Avg("utility_working_days_final"),
        within_commitment=Count(
            "pk", filter=Q(utility_working_days_final__lte=F("limit_working_days"))
        ),
        within_steps=Count("pk", filter=Q(step_late=False)),
        within_regulator=Count("pk", filter=Q(regulator_late=False)),
    )
    n = figures["n"]
    return {
        "energized": n,
        "average_working_days": _avg(figures["avg"]),
        "within_commitment": _ratio(figures["within_commitment"], n),
        "within_step_limits": _ratio(figures["within_steps"], n),
        "within_regulator": _ratio(figures["within_regulator"], n),
    }


def connection_figures(projects, *, start: dt.datetime, end: dt.datetime) -> dict:
    """The indicators over `projects` (already scoped), energized in [start, end)."""
    energized = _energized(projects, start, end)
    by_class = {
        (row["kind"], row["supply_scheme"]): row
        for row in energized.order_by()
        .values("kind", "supply_scheme")
        .annotate(n=Count("pk"), avg=Avg("utility_working_days_final"))
    }
    kinds, schemes = dict(Kind.choices), dict(Scheme.choices)
    classes = [
        {
            "kind": kind,
            "kind_label": str(kinds[kind]),
            "supply_scheme": scheme,
            "scheme_label": str(schemes[scheme]),
            "energized": row["n"],
            "average_working_days": _avg(row["avg"]),
        }
        for (kind, scheme), row in sorted(by_class.items())
    ]
    live = projects.filter(status__in=(Status.OPEN, Status.WAITING_CUSTOMER))
    return {
        **_shares(energized),
        "by_class": classes,
        "open": live.count(),
        "open_breached": live.filter(breached=True).count(),
        "trend": connection_trend(energized),
    }


def connection_trend(energized) -> list[dict]:
    """Per month of energization: how many, their average days, the share within the
    commitment (one grouped query)."""
    rows = (
        energized.annotate(month=TruncMonth("energized_at"))
        .order_by()
        .values("month")
        .annotate(
            n=Count("pk"),
            avg=Avg("utility_working_days_final"),
            within=Count("pk", filter=Q(utility_working_days_final__lte=F("limit_working_days"))),
        )
        .order_by("month")
    )
    return [
        {
            "month": row["month"].strftime("%Y-%m"),
            "energized": row["n"],
            "average_working_days": _avg(row["avg"]),
            "within_commitment": _ratio(row["within"], row["n"]),
        }
        for row in rows
    ]


def manager_connection_figures(
    manager_ids, *, start: dt.datetime, end: dt.datetime
) -> dict[int, dict]:
    """Per manager: projects energized in [start, end), their average days and share within
    the commitment, and the manager's open projects in breach."""
    energized = (
        Project.objects.filter(
            manager_id__in=list(manager_ids),
            status=Status.ENERGIZED,
            energized_at__gte=start,
            energized_at__lt=end,
        )
        .order_by()
        .values("manager_id")
        .annotate(
            n=Count("pk"),
            avg=Avg("utility_working_days_final"),
            within=Count("pk", filter=Q(utility_working_days_final__lte=F("limit_working_days"))),
        )
    )
    breached = dict(
        Project.objects.filter(
            manager_id__in=list(manager_ids),
            status__in=(Status.OPEN, Status.WAITING_CUSTOMER),
            breached=True,
        )
        .order_by()
        .values("manager_id")
        .annotate(n=Count("pk"))
        .values_list("manager_id", "n")
    )
    figures: dict[int, dict[str, Any]] = {
        pk: {
            "energized": 0,
            "average_working_days": None,
            "within_commitment": None,
            "open_breached": breached.get(pk, 0),
        }
        for pk in manager_ids
    }
    for row in energized:
        figures[row["manager_id"]].update(
            energized=row["n"],
            average_working_days=_avg(row["avg"]),
            within_commitment=_ratio(row["within"], row["n"]),
        )
    return figures
