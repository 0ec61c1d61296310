"""The rules of the arrears-risk scan: points per factor, the score, the level, the reasons.

The rules are settings (RISK_FACTOR_BANDS, RISK_IMPORTANCE_POINTS, RISK_LEVEL_THRESHOLDS; see
docs/risk.md). They are applied twice from the same RiskRules: as SQL inside the scan's
INSERT … SELECT (`assessment_insert_sql`), and in Python (`score_features`) as the readable
statement of the rules that the tests check the SQL against.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from customers.models import Importance, RiskLevel
from risk.models import ALERT_LEVELS, LEVEL_ORDER, RiskAssessment, RiskScan, RiskScanStatus
from risk.selectors import FACTORS, RANGE, feature_sql

FACTOR_LABELS = {
    "arrears_ratio": gettext_lazy("Arrears against the average monthly bill"),
    "days_past_due": gettext_lazy("Days past due of the oldest unpaid bill"),
    "late_payments": gettext_lazy("Late payments in the last 12 months"),
    "broken_promises": gettext_lazy("Broken payment promises in the last 6 months"),
    "consumption_drop": gettext_lazy("Drop in consumption"),
    "disconnections": gettext_lazy("Disconnections for arrears in the last 12 months"),
    "importance": gettext_lazy("Important customer with arrears"),
}


# --- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    threshold: Decimal
    points: int


@dataclass(frozen=True)
class RiskRules:
    """Points per factor, and the level thresholds, from the settings (see docs/risk.md)."""

    bands: Mapping[str, tuple[Band, ...]]
    importance_points: Mapping[str, int]
    thresholds: Mapping[str, int]

    @classmethod
    def from_settings(cls) -> RiskRules:
        # (mypy infers the setting as dict[str, object]: its thresholds mix strings and ints.)
        configured = cast(Mapping[str, Sequence[tuple[str | int, int]]], settings.RISK_FACTOR_BANDS)
        bands = {}
        for factor, raw in configured.items():
            if factor not in FACTORS or factor == "importance":
                raise ValueError(f"RISK_FACTOR_BANDS: unknown factor {factor!r}")
            parsed = tuple(Band(_decimal(t), int(p)) for t, p in raw)
            thresholds = [b.threshold for b in parsed]
            if thresholds != sorted(thresholds) or any(b.points < 0 for b in parsed):
                raise ValueError(f"RISK_FACTOR_BANDS[{factor!r}]: thresholds must ascend")
            bands[factor] = parsed
        importance = {str(k): int(v) for k, v in settings.RISK_IMPORTANCE_POINTS.items()}
        if not set(importance) <= set(Importance.values):
            raise ValueError("RISK_IMPORTANCE_POINTS: unknown importance class")
        levels = {k: int(settings.RISK_LEVEL_THRESHOLDS[k]) for k in LEVEL_ORDER[1:]}
        if not 0 < levels["medium"] < levels["high"] < levels["critical"] <= 100:
            raise ValueError("RISK_LEVEL_THRESHOLDS must rise: 0 < medium < high < critical ≤ 100")
        return cls(bands=bands, importance_points=importance, thresholds=levels)

    def points(self, factor: str, value) -> int:
        if value is None:
            return 0
        if factor == "importance":
            return self.importance_points.get(value, 0)
        number = _decimal(value)
        reached = [b.points for b in self.bands.get(factor, ()) if number >= b.threshold]
        return reached[-1] if reached else 0

    def level_for(self, score: int) -> str:
        for level in reversed(LEVEL_ORDER[1:]):
            if score >= self.thresholds[level]:
                return level
        return RiskLevel.LOW

    def max_points(self, factor: str) -> int:
        if factor == "importance":
            return max(self.importance_points.values(), default=0)
        return max((b.points for b in self.bands.get(factor, ())), default=0)


def _decimal(value) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def score_features(features: Mapping[str, object], rules: RiskRules) -> tuple[int, str, list]:
    """(score, level, reasons) of one customer's features, as the scan computes them in SQL.

    The scan never calls this: it is the readable statement of the rules, used by the tests
    to check the SQL and by the benchmark's per-customer baseline.
    """
    reasons = []
    for factor in FACTORS:
        value = features.get(factor)
        points = rules.points(factor, value)
        if points > 0:
            reasons.append({"factor": factor, "value": _json_value(value), "points": points})
    score = min(100, sum(r["points"] for r in reasons))
    return score, rules.level_for(score), reasons


def describe_reason(reason: Mapping[str, Any]) -> str:
    """A reason in words, e.g. "Arrears are 2.5 times the average monthly bill"."""
    # Stored JSON, not trusted: a missing or malformed value falls through to the plain form.
    factor: Any = reason.get("factor")
    value: Any = reason.get("value")
    try:
        if factor == "arrears_ratio":
            return _("Arrears are %(ratio)s times the average monthly bill") % {
                "ratio": _plain(value)
            }
        if factor == "days_past_due":
            n = int(value)
            return ngettext(
                "The oldest unpaid bill is %(n)d day past due",
                "The oldest unpaid bill is %(n)d days past due",
                n,
            ) % {"n": n}
        if factor == "late_payments":
            n = int(value)
            return ngettext(
                "%(n)d bill paid late or unpaid in the last 12 months",
                "%(n)d bills paid late or unpaid in the last 12 months",
                n,
            ) % {"n": n}
        if factor == "broken_promises":
            n = int(value)
            return ngettext(
                "%(n)d payment promise broken in the last 6 months",
                "%(n)d payment promises broken in the last 6 months",
                n,
            ) % {"n": n}
        if factor == "consumption_drop":
            return _(
                "Consumption of the last 3 months fell %(percent)s%% against the 3 months before"
            ) % {"percent": _plain(Decimal(str(value)) * 100)}
        if factor == "disconnections":
            n = int(value)
            return ngettext(
                "Disconnected for arrears %(n)d time in the last 12 months",
                "Disconnected for arrears %(n)d times in the last 12 months",
                n,
            ) % {"n": n}
        if factor == "importance":
            label = dict(Importance.choices).get(value, value)
            return _("Important customer (%(class)s) with arrears: disconnection is restricted") % {
                "class": label
            }
    except (TypeError, ValueError, InvalidOperation):
        pass
    return f"{FACTOR_LABELS.get(factor, factor)}: {value}"


def _plain(value) -> str:
    number = Decimal(str(value)).normalize()
    return f"{number:f}"


# --- the scan's SQL --------------------------------------------------------------------------


def _rank_sql(column: str) -> str:
    whens = " ".join(f"WHEN '{level}' THEN {i}" for i, level in enumerate(LEVEL_ORDER))
    return f"(CASE {column} {whens} ELSE -1 END)"


def _points_sql(factor: str, rules: RiskRules) -> str:
    if factor == "importance":
        whens = " ".join(
            f"WHEN '{cls}' THEN {points}"
            for cls, points in rules.importance_points.items()
            if points > 0
        )
        return f"(CASE {factor} {whens} ELSE 0 END)" if whens else "0"
    whens = " ".join(
        f"WHEN {factor} >= {band.threshold} THEN {band.points}"
        for band in reversed(rules.bands.get(factor, ()))
    )
    return f"(CASE {whens} ELSE 0 END)" if whens else "0"


def _reasons_sql(total: str) -> str:
    """The reasons as JSON text built by concatenation (the same on PostgreSQL and SQLite):
    one element per factor with points, in FACTORS order; `[]` when `total` is 0."""
    parts = []
    for factor in FACTORS:
        value = f"'\"' || {factor} || '\"'" if factor == "importance" else f"CAST({factor} AS TEXT)"
        element = (
            f'CASE WHEN p_{factor} > 0 THEN \'{{"factor":"{factor}","value":\' || {value}'
            f" || ',\"points\":' || CAST(p_{factor} AS TEXT) || '}}' END"
        )
        parts.append(f"COALESCE(',' || {element}, '')")
    joined = " || ".join(parts)
    text = f"CASE WHEN {total} = 0 THEN '[]' ELSE '[' || SUBSTR({joined}, 2) || ']' END"
    return f"CAST({text} AS jsonb)" if connection.vendor == "postgresql" else text


def assessment_insert_sql(rules: RiskRules, *, progress: bool = False, scope: str = RANGE) -> str:
    """INSERT … SELECT of the assessments of the active customers in `scope` (with id in
    [%(lo)s, %(hi)s), or in %(ids)s: risk.selectors.feature_sql): the features, then the
    points, score, level, rise and reasons; parameters: scan, now, lo and hi or ids, and
    Windows.params(). The one statement that scores customers: the scan runs it over slices
    of the id range, the rescoring after a money change over the customers that changed.

    The points are computed once per row (a materialized CTE): inlined, every use of a
    factor's points would compute its CASE again. A customer without points gets `[]`
    without building the reasons.

    With `progress` (PostgreSQL), the same statement also adds the rows it wrote to the
    scan's `customers_scanned` and sets its heartbeat to %(beat)s, if the scan is still
    running, and returns the rows written, the risers and the rows per shown level, in
    LEVEL_ORDER (no row: the scan was given up). A slice is then one statement and one
    commit, which does not wait for the disk.
    """
    total = " + ".join(f"p_{factor}" for factor in FACTORS)
    points = ",\n           ".join(f"{_points_sql(f, rules)} AS p_{f}" for f in FACTORS)
    t = rules.thresholds
    shown = "COALESCE(override_level, level)"
    alert = ", ".join(f"'{level}'" for level in ALERT_LEVELS)
    ctes = f"""{feature_sql(scope)},
p AS MATERIALIZED (
    SELECT f.*,
           {points}
    FROM f
),
s AS (
    SELECT p.*, {total} AS points FROM p
),
l AS (
    SELECT s.*,
           CASE WHEN points > 100 THEN 100 ELSE points END AS score,
           CASE WHEN points >= {t["critical"]} THEN 'critical'
                WHEN points >= {t["high"]} THEN 'high'
                WHEN points >= {t["medium"]} THEN 'medium'
                ELSE 'low' END AS level
    FROM s
)"""
    into = f"""INSERT INTO {RiskAssessment._meta.db_table}
    (scan_id, customer_id, scanned_at, score, level, previous_level, override_level, rose,
     changed, reasons)"""
    select = f"""
SELECT %(scan)s, customer_id, %(now)s, score, level, previous_level, override_level,
       CASE WHEN {shown} IN ({alert}) AND {_rank_sql(shown)} > {_rank_sql("previous_level")}
            THEN TRUE ELSE FALSE END,
       CASE WHEN previous_level IS NULL OR previous_score IS NULL
                 OR previous_level <> {shown} OR previous_score <> score
            THEN TRUE ELSE FALSE END,
       {_reasons_sql("points")}
FROM l"""
    if not progress:
        return f"{into}\n{ctes}\n{select}"
    counts = ",\n       ".join(
        f"COUNT(CASE WHEN shown = '{level}' THEN 1 END) AS {level}" for level in LEVEL_ORDER
    )
    # The slice commits without waiting for its WAL to reach the disk (synchronous_commit off
    # for this transaction only), so that the scan's row is not locked meanwhile: a crash
    # can lose only the last slices of a scan that is then given up; publishing commits as
    # usual, and makes the slices before it durable too.
    return f"""{ctes},
written AS ({into}\n{select}\nRETURNING {shown} AS shown, rose),
n AS (
SELECT COUNT(*) AS scored, COUNT(CASE WHEN rose THEN 1 END) AS risers,
       {counts},
       set_config('synchronous_commit', 'off', true) AS synchronous_commit
FROM written
)
UPDATE {RiskScan._meta.db_table}
SET customers_scanned = customers_scanned + n.scored, heartbeat_at = %(beat)s
FROM n
WHERE id = %(scan)s AND status = '{RiskScanStatus.RUNNING}' AND n.synchronous_commit = 'off'
RETURNING n.scored, n.risers, {", ".join(f"n.{level}" for level in LEVEL_ORDER)}"""
