"""Reads of supply quality: indicators per customer and per feeder, per month and over a
window, the voltage pass rate, and the late restorations.

The interruption arithmetic is one SQL statement whatever the number of customers (PostgreSQL
multiranges): per supply point the union of its interruptions (feeder-wide ones and the
customer's own on that feeder, overlapping ones merged), per customer the intersection over
its supply points (a dual-supply customer is off only while every supply is), then cut into
the periods asked for. A merged stretch without supply counts once; it is a fault
interruption when any fault contributed to it, planned otherwise. An interruption still
going on counts up to now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from common.moments import shift_months
from customers.models import IMPORTANT_CLASSES, Customer, SupplyPoint
from supply.models import Interruption, MonitoringPoint, VoltageReading


@dataclass
class Figures:
    """One customer's (or feeder's) indicators over one period."""

    key: str
    start: dt.datetime
    end: dt.datetime
    interruptions: int = 0
    planned: int = 0
    fault: int = 0
    minutes_off: float = 0.0
    longest_minutes: float = 0.0
    voltage_monitored: int = 0
    voltage_outside: int = 0
    points_without_data: int = 0

    @property
    def period_minutes(self) -> float:
        return max((self.end - self.start).total_seconds() / 60, 0.0)

    @property
    def availability(self) -> float | None:
        if self.period_minutes <= 0:
            return None
        return max(0.0, 1 - self.minutes_off / self.period_minutes)

    @property
    def voltage_pass_rate(self) -> float | None:
        if not self.voltage_monitored:
            return None
        return (self.voltage_monitored - self.voltage_outside) / self.voltage_monitored


@dataclass(frozen=True)
class Period:
    key: str
    start: dt.datetime
    end: dt.datetime


@dataclass
class Report:
    total: Figures
    monthly: list[Figures] = field(default_factory=list)


def month_periods(months: int, *, now: dt.datetime | None = None) -> list[Period]:
    """The last `months` calendar months, the current one included (it ends now)."""
    now = now or timezone.now()
    first = timezone.localdate(now).replace(day=1)
    periods = []
    for back in range(months - 1, -1, -1):
        month = shift_months(first, -back)
        start = _local_midnight(month)
        end = min(_local_midnight(shift_months(month, 1)), now)
        periods.append(Period(f"{month:%Y-%m}", start, end))
    return periods


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


# --- interruptions: one statement for any number of customers ----------------------------

_CUSTOMER_SQL = """
WITH buckets AS (
    SELECT * FROM unnest(%(keys)s::text[], %(starts)s::timestamptz[], %(ends)s::timestamptz[])
        AS b(b_key, b_start, b_end)
),
win AS (SELECT min(b_start) AS w_start, max(b_end) AS w_end FROM buckets),
sp AS (
    SELECT customer_id, feeder_id FROM customers_supplypoint
    WHERE %(ids)s::bigint[] IS NULL OR customer_id = ANY(%(ids)s::bigint[])
),
hits AS (
    SELECT sp.customer_id, sp.feeder_id, i.planned,
           tstzrange(i.start, COALESCE(i."end", %(now)s)) AS r
    FROM sp
    JOIN supply_interruption i ON i.feeder_id = sp.feeder_id
        AND (i.customer_id IS NULL OR i.customer_id = sp.customer_id)
    CROSS JOIN win
    WHERE i.start < win.w_end AND COALESCE(i."end", %(now)s) > win.w_start
),
per_point AS (
    SELECT sp.customer_id, COALESCE(range_agg(h.r), '{}'::tstzmultirange) AS off
    FROM sp LEFT JOIN hits h ON h.customer_id = sp.customer_id AND h.feeder_id = sp.feeder_id
    WHERE sp.customer_id IN (SELECT customer_id FROM hits)
    GROUP BY sp.customer_id, sp.feeder_id
),
per_customer AS (
    SELECT customer_id, range_intersect_agg(off) AS off FROM per_point GROUP BY customer_id
),
faults AS (
    SELECT customer_id, range_agg(r) AS f FROM hits WHERE NOT planned GROUP BY customer_id
),
pieces AS (
    SELECT pc.customer_id, b.b_key, p.piece, COALESCE(p.piece && f.f, false) AS is_fault
    FROM per_customer pc
    CROSS JOIN buckets b
    CROSS JOIN LATERAL unnest(pc.off * tstzmultirange(tstzrange(b.b_start, b.b_end)))
        AS p(piece)
    LEFT JOIN faults f ON f.customer_id = pc.customer_id
)
SELECT customer_id, b_key, count(*), count(*) FILTER (WHERE is_fault),
       sum(extract(epoch FROM upper(piece) - lower(piece))) / 60,
       max(extract(epoch FROM upper(piece) - lower(piece))) / 60
FROM pieces GROUP BY customer_id, b_key
"""

_FEEDER_SQL = """
WITH buckets AS (
    SELECT * FROM unnest(%(keys)s::text[], %(starts)s::timestamptz[], %(ends)s::timestamptz[])
        AS b(b_key, b_start, b_end)
),
win AS (SELECT min(b_start) AS w_start, max(b_end) AS w_end FROM buckets),
hits AS (
    SELECT i.feeder_id, i.planned, tstzrange(i.start, COALESCE(i."end", %(now)s)) AS r
    FROM supply_interruption i CROSS JOIN win
    WHERE (%(ids)s::bigint[] IS NULL OR i.feeder_id = ANY(%(ids)s::bigint[]))
        AND i.start < win.w_end AND COALESCE(i."end", %(now)s) > win.w_start
),
per_feeder AS (
    SELECT feeder_id, range_agg(r) AS off, range_agg(r) FILTER (WHERE NOT planned) AS f
    FROM hits GROUP BY feeder_id
),
pieces AS (
    SELECT pf.feeder_id, b.b_key, p.piece, COALESCE(p.piece && pf.f, false) AS is_fault
    FROM per_feeder pf
    CROSS JOIN buckets b
    CROSS JOIN LATERAL unnest(pf.off * tstzmultirange(tstzrange(b.b_start, b.b_end)))
        AS p(piece)
)
SELECT feeder_id, b_key, count(*), count(*) FILTER (WHERE is_fault),
       sum(extract(epoch FROM upper(piece) - lower(piece))) / 60,
       max(extract(epoch FROM upper(piece) - lower(piece))) / 60
FROM pieces GROUP BY feeder_id, b_key
"""


def interruption_figures(
    periods: Sequence[Period],
    *,
    customer_ids: Iterable[int] | None = None,
    feeder_ids: Iterable[int] | None = None,
    per: str = "customer",
    now: dt.datetime | None = None,
) -> dict[tuple[int, str], Figures]:
    """{(customer or feeder id, period key): Figures} for every customer (or feeder) that was
    off in a period; one statement. `customer_ids`/`feeder_ids` None: all of them."""
    now = now or timezone.now()
    ids = customer_ids if per == "customer" else feeder_ids
    params: dict[str, Any] = {
        "keys": [p.key for p in periods],
        "starts": [p.start for p in periods],
        "ends": [p.end for p in periods],
        "ids": None if ids is None else list(ids),
        "now": now,
    }
    by_key = {p.key: p for p in periods}
    out: dict[tuple[int, str], Figures] = {}
    with connection.cursor() as cursor:
        cursor.execute(_CUSTOMER_SQL if per == "customer" else _FEEDER_SQL, params)
        for owner, key, count, fault, minutes, longest in cursor.fetchall():
            period = by_key[key]
            out[(owner, key)] = Figures(
                key=key,
                start=period.start,
                end=period.end,
                interruptions=count,
                fault=fault,
                planned=count - fault,
                minutes_off=float(minutes or 0),
                longest_minutes=float(longest or 0),
            )
    return out


# --- voltage -------------------------------------------------------------------------------


def voltage_by_month(
    first: dt.date,
    last: dt.date,
    *,
    customer_ids: Iterable[int] | None = None,
    feeder_ids: Iterable[int] | None = None,
    by: str,
) -> dict[tuple[int, str], tuple[int, int]]:
    """{(owner id, 'YYYY-MM'): (minutes monitored, minutes outside the limits)} for the days
    first..last, the owner being `by` ("point__customer_id", "point_id" or
    "point__supply_point__feeder_id"). One query."""
    readings = VoltageReading.objects.filter(day__gte=first, day__lte=last)
    if customer_ids is not None:
        readings = readings.filter(point__customer_id__in=list(customer_ids))
    if feeder_ids is not None:
        readings = readings.filter(point__supply_point__feeder_id__in=list(feeder_ids))
    rows = (
        readings.annotate(month=TruncMonth("day"))
        .values(by, "month")
        .annotate(
            monitored=Sum("minutes_monitored"),
            outside=Sum(F("minutes_above") + F("minutes_below")),
        )
        .values_list(by, "month", "monitored", "outside")
    )
    return {(owner, f"{month:%Y-%m}"): (m or 0, o or 0) for owner, month, m, o in rows}


def point_month_rows(points, month: dt.date, *, today: dt.date | None = None) -> list[dict]:
    """Each monitoring point of `points` in `month`: days reported, days missing, minutes
    and the pass rate (None for a point that sent nothing: reported, not passing). One query."""
    today = today or timezone.localdate()
    end = min(shift_months(month, 1) - dt.timedelta(days=1), today)
    days_in_period = max((end - month).days + 1, 0)
    day_filter = Q(readings__day__gte=month, readings__day__lte=end)
    rows = points.annotate(
        days_reported=Count("readings", filter=day_filter),
        monitored=Sum("readings__minutes_monitored", filter=day_filter),
        outside=Sum(F("readings__minutes_above") + F("readings__minutes_below"), filter=day_filter),
    ).order_by("code")
    out = []
    for point in rows:
        monitored = point.monitored or 0
        out.append(
            {
                "point": point,
                "days_reported": point.days_reported,
                "days_missing": max(days_in_period - point.days_reported, 0),
                "minutes_monitored": monitored,
                "pass_rate": (monitored - (point.outside or 0)) / monitored if monitored else None,
            }
        )
    return out


def points_without_data(
    first: dt.date, last: dt.date, *, customer_ids: Iterable[int] | None = None
) -> dict[tuple[int, str], int]:
    """{(customer id, 'YYYY-MM'): number of its active points with no reading that month}.
    Two queries."""
    points = MonitoringPoint.objects.filter(active=True)
    if customer_ids is not None:
        points = points.filter(customer_id__in=list(customer_ids))
    owners = dict(points.values_list("pk", "customer_id"))
    reported = set(
        VoltageReading.objects.filter(point_id__in=list(owners), day__gte=first, day__lte=last)
        .annotate(month=TruncMonth("day"))
        .values_list("point_id", "month")
        .distinct()
    )
    out: dict[tuple[int, str], int] = {}
    month = first.replace(day=1)
    while month <= last:
        for point_id, customer_id in owners.items():
            if (point_id, month) not in reported:
                key = (customer_id, f"{month:%Y-%m}")
                out[key] = out.get(key, 0) + 1
        month = shift_months(month, 1)
    return out


# --- one customer ---------------------------------------------------------------------------


def customer_report(customer, *, months: int = 12, now: dt.datetime | None = None) -> Report:
    """The customer's indicators over the last `months` months (total) and per month."""
    now = now or timezone.now()
    periods = month_periods(months, now=now)
    total = Period("total", periods[0].start, now)
    figures = interruption_figures([*periods, total], customer_ids=[customer.pk], now=now)
    first, last = periods[0].start.date(), timezone.localdate(now)
    voltage = voltage_by_month(first, last, customer_ids=[customer.pk], by="point__customer_id")
    silent = points_without_data(first, last, customer_ids=[customer.pk])
    report = Report(total=figures.get((customer.pk, "total")) or Figures("total", total.start, now))
    for period in periods:
        row = figures.get((customer.pk, period.key)) or Figures(
            period.key, period.start, period.end
        )
        row.voltage_monitored, row.voltage_outside = voltage.get((customer.pk, period.key), (0, 0))
        row.points_without_data = silent.get((customer.pk, period.key), 0)
        report.total.voltage_monitored += row.voltage_monitored
        report.total.voltage_outside += row.voltage_outside
        report.monthly.append(row)
    return report


def customer_interruptions(customer, *, since: dt.datetime):
    """The interruptions that reached the customer (on any of its feeders, feeder-wide or its
    own) since `since`, newest first."""
    feeders = customer.supply_points.values("feeder_id")
    return (
        Interruption.objects.filter(feeder_id__in=feeders)
        .filter(Q(customer__isnull=True) | Q(customer=customer))
        .filter(Q(end__isnull=True) | Q(end__gt=since))
        .select_related("feeder", "outage")
        .order_by("-start", "-id")
    )


# --- restoration ----------------------------------------------------------------------------


def late_restorations(queryset=None, *, now: dt.datetime | None = None):
    """Fault interruptions whose supply came back (or is still off) later than the limit
    after the cause was cleared, annotated with `restored_after`."""
    now = now or timezone.now()
    limit = dt.timedelta(hours=settings.SUPPLY_RESTORATION_LIMIT_HOURS)
    queryset = queryset if queryset is not None else Interruption.objects.all()
    return (
        queryset.filter(planned=False, cause_cleared_at__isnull=False)
        .filter(
            Q(end__isnull=False, end__gt=F("cause_cleared_at") + limit)
            | Q(end__isnull=True, cause_cleared_at__lt=now - limit)
        )
        .select_related("feeder", "customer")
        .order_by("-cause_cleared_at", "-id")
    )


# --- exposure -------------------------------------------------------------------------------


def frequent_fault_feeders(*, now: dt.datetime | None = None):
    """Ids of the feeders with at least SUPPLY_FREQUENT_FAULT_FEEDER fault interruptions
    starting within SUPPLY_FAULT_WINDOW_DAYS (a subquery)."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.SUPPLY_FAULT_WINDOW_DAYS)
    return (
        Interruption.objects.filter(planned=False, start__gte=since, start__lt=now)
        .values("feeder_id")
        .annotate(faults=Count("id"))
        .filter(faults__gte=settings.SUPPLY_FREQUENT_FAULT_FEEDER)
        .values("feeder_id")
    )


def exposed_important_customers(user, *, now: dt.datetime | None = None):
    """Active important customers (特级, 一级, 二级, 临时) without their own generator, on a
    feeder with frequent faults: the ones a fault would hurt most."""
    feeders = frequent_fault_feeders(now=now)
    return (
        Customer.objects.visible_to(user)
        .active()
        .filter(importance__in=IMPORTANT_CLASSES, has_backup_generator=False)
        .filter(pk__in=SupplyPoint.objects.filter(feeder_id__in=feeders).values("customer_id"))
        .order_by("importance", "name")
    )
