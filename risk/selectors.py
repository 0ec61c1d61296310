"""Read side of the arrears-risk scan: the features of every customer in one SQL statement, and
the queries behind the risk pages and API.

The features are computed by one hand-written statement (`feature_sql`) that works on
PostgreSQL and SQLite: every date boundary is a parameter computed in Python, so the only
vendor difference is how a number of days between two dates is written. The scan wraps it in
an INSERT … SELECT (risk.services); the benchmark's floor runs it read-only.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import CharField, Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from billing.models import Bill, Disconnection, PaymentAllocation, PaymentPromise
from billing.querysets import bill_outstanding_expression
from customers.models import Assignment, Customer, CustomerStatus
from risk.models import ALERT_LEVELS, LEVEL_ORDER, RiskAssessment, RiskOverride, RiskScan

# The factors, in the order they are listed in reasons.
FACTORS = (
    "arrears_ratio",
    "days_past_due",
    "late_payments",
    "broken_promises",
    "consumption_drop",
    "disconnections",
    "importance",
)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@dataclass(frozen=True)
class Windows:
    """The time windows of the features, for a scan on `as_of` (a local date).

    - average monthly bill: bills for the 12 periods before the scan's month
    - late payments: bills due in the 12 months before `as_of`
    - broken promises: promises due in the 6 months before `as_of`
    - consumption: average kWh of the periods of the last 3 months against the 3 before
    - disconnections: carried out since the same day 12 months ago
    - overrides: in force at `now`
    """

    as_of: dt.date
    now: dt.datetime

    @property
    def month(self) -> dt.date:
        return self.as_of.replace(day=1)

    def params(self) -> dict:
        ops = connection.ops
        year_ago = months_before(self.as_of, 12)
        year_ago_start = timezone.make_aware(dt.datetime.combine(year_ago, dt.time.min))
        dates = {
            "d": self.as_of,
            "m0": self.month,
            "m12": months_before(self.month, 12),
            "m6": months_before(self.month, 6),
            "m3": months_before(self.month, 3),
            "y1": year_ago,
            "h1": months_before(self.as_of, 6),
        }
        params = {key: ops.adapt_datefield_value(value) for key, value in dates.items()}
        params["y1_start"] = ops.adapt_datetimefield_value(year_ago_start)
        params["now"] = ops.adapt_datetimefield_value(self.now)
        return params


def _days_between(later: str, earlier: str) -> str:
    """SQL for the whole days from date `earlier` to date `later`."""
    if connection.vendor == "postgresql":
        return f"(CAST({later} AS date) - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


# The customers a statement scores: an id range (the scan's slices and partitions) or a list
# of ids (the rescoring after money changes). Everything else in the statement is the same.
RANGE = "range"
IDS = "ids"


def scope_params(ids) -> dict:
    """The parameter of the IDS scope: the ids as an array (PostgreSQL) or JSON (SQLite)."""
    ids = sorted({int(pk) for pk in ids})
    if connection.vendor == "postgresql":
        return {"ids": ids}
    return {"ids": json.dumps(ids)}


def _in_scope(column: str, scope: str) -> str:
    if scope == RANGE:
        return f"{column} >= %(lo)s AND {column} < %(hi)s"
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%(ids)s)"
    return f"{column} IN (SELECT value FROM json_each(%(ids)s))"


def feature_sql(scope: str = RANGE) -> str:
    """`WITH … f AS (…)`: one row per active customer in the scope: with id in
    [%(lo)s, %(hi)s) (RANGE), or in %(ids)s (IDS, see scope_params).

    Columns of `f`: customer_id, previous_level and previous_score (what the customer shows
    now), override_level (an override in force), and one column per factor in FACTORS — NULL
    or 0 when the factor does not apply. Parameters: lo and hi or ids, and Windows.params().
    """
    customer = Customer._meta.db_table
    bill = Bill._meta.db_table
    allocation = PaymentAllocation._meta.db_table
    promise = PaymentPromise._meta.db_table
    disconnection = Disconnection._meta.db_table
    override = RiskOverride._meta.db_table
    in_range = _in_scope("customer_id", scope)
    return f"""
WITH c AS (
    SELECT id, importance, risk_level, risk_score FROM {customer}
    WHERE status = '{CustomerStatus.ACTIVE}' AND {_in_scope("id", scope)}
),
bl AS (
    SELECT b.customer_id,
           AVG(CASE WHEN b.period >= %(m12)s AND b.period < %(m0)s THEN b.total END) AS avg_bill,
           AVG(CASE WHEN b.period >= %(m3)s AND b.period < %(m0)s THEN b.energy_kwh END)
               AS kwh_recent,
           AVG(CASE WHEN b.period >= %(m6)s AND b.period < %(m3)s THEN b.energy_kwh END)
               AS kwh_before,
           COUNT(CASE WHEN b.due_date >= %(y1)s AND b.due_date < %(d)s
                           AND b.written_off_at IS NULL
                           AND (b.settled_on IS NULL OR b.settled_on > b.due_date)
                      THEN 1 END) AS late
    FROM {bill} b
    WHERE b.{in_range}
      AND ((b.period >= %(m12)s AND b.period < %(m0)s)
           OR (b.due_date >= %(y1)s AND b.due_date < %(d)s))
    GROUP BY b.customer_id
),
ar AS (
    SELECT b.customer_id,
           MIN(b.due_date) AS oldest_due,
           SUM(b.total - COALESCE(
               (SELECT SUM(a.amount) FROM {allocation} a WHERE a.bill_id = b.id), 0)) AS arrears
    FROM {bill} b
    WHERE b.settled_on IS NULL AND b.written_off_at IS NULL AND b.due_date < %(d)s
      AND b.{in_range}
    GROUP BY b.customer_id
),
pr AS (
    SELECT customer_id, COUNT(*) AS broken FROM {promise}
    WHERE status = 'broken' AND due_date >= %(h1)s AND due_date < %(d)s AND {in_range}
    GROUP BY customer_id
),
dc AS (
    SELECT customer_id, COUNT(*) AS executed FROM {disconnection}
    WHERE executed_at IS NOT NULL AND executed_at >= %(y1_start)s AND {in_range}
    GROUP BY customer_id
),
ov AS (
    SELECT customer_id, level FROM {override}
    WHERE ended_at IS NULL AND expires_at > %(now)s AND {in_range}
),
f AS (
    SELECT c.id AS customer_id,
           c.risk_level AS previous_level,
           c.risk_score AS previous_score,
           ov.level AS override_level,
           CASE WHEN ar.arrears > 0 AND bl.avg_bill > 0
                THEN ROUND(ar.arrears / bl.avg_bill, 2) END AS arrears_ratio,
           CASE WHEN ar.arrears > 0
                THEN {_days_between("%(d)s", "ar.oldest_due")} END AS days_past_due,
           COALESCE(bl.late, 0) AS late_payments,
           COALESCE(pr.broken, 0) AS broken_promises,
           CASE WHEN bl.kwh_before > 0 AND bl.kwh_recent IS NOT NULL
                THEN ROUND(1 - bl.kwh_recent / bl.kwh_before, 2) END AS consumption_drop,
           COALESCE(dc.executed, 0) AS disconnections,
           CASE WHEN ar.arrears > 0 THEN c.importance END AS importance
    FROM c
    LEFT JOIN bl ON bl.customer_id = c.id
    LEFT JOIN ar ON ar.customer_id = c.id
    LEFT JOIN pr ON pr.customer_id = c.id
    LEFT JOIN dc ON dc.customer_id = c.id
    LEFT JOIN ov ON ov.customer_id = c.id
)"""


def floor_sql() -> str:
    """The benchmark's floor: every feature of every active customer, read-only, in one
    statement (aggregated so that the client receives one row)."""
    return (
        feature_sql()
        + """
SELECT COUNT(*), SUM(arrears_ratio), SUM(days_past_due), SUM(late_payments),
       SUM(broken_promises), SUM(consumption_drop), SUM(disconnections), COUNT(importance)
FROM f"""
    )


def active_id_range() -> tuple[int, int, int]:
    """(count, lowest id, highest id) of the active customers, in one query."""
    from django.db.models import Max, Min

    row = Customer.objects.active().aggregate(n=Count("pk"), lo=Min("pk"), hi=Max("pk"))
    return row["n"], row["lo"] or 0, row["hi"] or 0


# --- pages and API ---------------------------------------------------------------------------


def shown_level():
    """The level an assessment showed: the override in force at the time, else the computed."""
    return Coalesce(F("override_level"), F("level"), output_field=CharField())


def customer_history(customer, *, limit: int | None = None):
    """The customer's assessments of finished scans, newest first."""
    qs = (
        RiskAssessment.objects.published()
        .filter(customer=customer)
        .select_related("scan")
        .order_by("-scan_id")
    )
    return qs[:limit] if limit else qs


def latest_scan() -> RiskScan | None:
    return RiskScan.objects.done().full().order_by("-finished_at", "-pk").first()


def level_distribution(user) -> dict[str, int]:
    """Active customers visible to `user` by the level they show (None: never scanned)."""
    counts = dict(
        Customer.objects.visible_to(user)
        .active()
        .order_by()
        .values_list("risk_level")
        .annotate(n=Count("pk"))
    )
    result = {level: counts.get(level, 0) for level in LEVEL_ORDER}
    result["none"] = counts.get(None, 0)
    return result


def movements(scan: RiskScan, user) -> list[dict]:
    """How the visible customers' shown level changed with `scan`: rows of `previous_level`,
    `shown`, `n`, changes only (a first level counts as a change)."""
    rows = (
        RiskAssessment.objects.filter(scan=scan)
        .visible_to(user)
        .annotate(shown=shown_level())
        .filter(Q(previous_level__isnull=True) | ~Q(previous_level=F("shown")))
        .order_by()
        .values("previous_level", "shown")
        .annotate(n=Count("pk"))
    )
    return sorted(
        rows,
        key=lambda r: (-LEVEL_ORDER.index(r["shown"]), r["previous_level"] or ""),
    )


def scan_risers(scan: RiskScan, user, *, limit: int = 50) -> list[RiskAssessment]:
    """The visible customers whose level rose to high or critical with `scan`, worst first."""
    return list(
        RiskAssessment.objects.filter(scan=scan, rose=True)
        .visible_to(user)
        .select_related("customer")
        .order_by("-score", "customer__account_no")[:limit]
    )


def alert_customers(user):
    """Active customers visible to `user` showing high or critical, worst first, annotated
    with their latest published `latest_reasons` and whether an override is in force."""
    from django.db.models import Exists, JSONField

    latest = RiskAssessment.objects.published().filter(customer=OuterRef("pk")).order_by("-scan_id")
    manager = Assignment.objects.filter(customer=OuterRef("pk"), end__isnull=True)
    return (
        Customer.objects.visible_to(user)
        .active()
        .filter(risk_level__in=ALERT_LEVELS)
        .select_related("region")
        .annotate(
            latest_reasons=Subquery(latest.values("reasons")[:1], output_field=JSONField()),
            overridden=Exists(RiskOverride.objects.in_force().filter(customer=OuterRef("pk"))),
            manager_name=Subquery(
                manager.annotate(
                    n=Coalesce(NullIf(F("manager__name"), Value("")), F("manager__username"))
                ).values("n")[:1],
                output_field=CharField(),
            ),
        )
        .order_by("-risk_score", "account_no")
    )


def customer_features(customer: Customer, windows: Windows) -> dict:
    """One customer's features computed the plain way, a few ORM queries per customer.

    The scan never calls this (it computes every customer's features in one statement): it is
    the reference the tests check `feature_sql` against, and the benchmark's naive baseline.
    """
    from decimal import ROUND_HALF_UP, Decimal

    from django.db.models import Avg, Min, Sum

    p = windows
    month = p.month
    m12, m6, m3 = (months_before(month, n) for n in (12, 6, 3))
    year_ago = months_before(p.as_of, 12)
    bills = Bill.objects.filter(customer=customer)
    stats = bills.aggregate(
        avg_bill=Avg("total", filter=Q(period__gte=m12, period__lt=month)),
        kwh_recent=Avg("energy_kwh", filter=Q(period__gte=m3, period__lt=month)),
        kwh_before=Avg("energy_kwh", filter=Q(period__gte=m6, period__lt=m3)),
    )
    late = (
        bills.filter(due_date__gte=year_ago, due_date__lt=p.as_of, written_off_at__isnull=True)
        .filter(Q(settled_on__isnull=True) | Q(settled_on__gt=F("due_date")))
        .count()
    )
    arrears = bills.overdue(p.as_of).aggregate(
        amount=Sum(bill_outstanding_expression()), oldest=Min("due_date")
    )
    amount = arrears["amount"] or Decimal("0")
    two = Decimal("0.01")
    avg_bill, recent, before = stats["avg_bill"], stats["kwh_recent"], stats["kwh_before"]
    executed_since = timezone.make_aware(dt.datetime.combine(year_ago, dt.time.min))
    override = RiskOverride.objects.in_force(p.now).filter(customer=customer).first()
    return {
        "customer_id": customer.pk,
        "previous_level": customer.risk_level,
        "override_level": override.level if override else None,
        "arrears_ratio": (amount / avg_bill).quantize(two, ROUND_HALF_UP)
        if amount > 0 and avg_bill
        else None,
        "days_past_due": (p.as_of - arrears["oldest"]).days if amount > 0 else None,
        "late_payments": late,
        "broken_promises": PaymentPromise.objects.filter(
            customer=customer,
            status="broken",
            due_date__gte=months_before(p.as_of, 6),
            due_date__lt=p.as_of,
        ).count(),
        "consumption_drop": (1 - recent / before).quantize(two, ROUND_HALF_UP)
        if before and before > 0 and recent is not None
        else None,
        "disconnections": Disconnection.objects.filter(
            customer=customer, executed_at__isnull=False, executed_at__gte=executed_since
        ).count(),
        "importance": customer.importance if amount > 0 else None,
    }
