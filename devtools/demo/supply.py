"""Demo data of supply quality: a year of interruptions on the demo feeders (faults imported
as from the dispatch system, planned maintenance), voltage monitoring points at the customers
with a year of daily readings (a few points with gaps or poor voltage), then the threshold
scan, so the tab, the overview and "my day" show something from the start.

Idempotent: nothing is done once demo interruptions exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from common.actors import SYSTEM
from common.bulk import copy_upsert
from customers.models import Customer, SupplyPoint
from grid.models import Feeder
from supply import alerts, services
from supply.models import Interruption, MonitoringPoint, VoltageReading

PREFIX = "DEMO-"
MAX_POINTS = 300
CAUSES_FAULT = ["雷击", "树障", "外力破坏", "设备老化", "鸟害", "电缆故障", "用户故障出门"]
CAUSES_PLANNED = ["线路检修", "变电站设备检修", "配网改造", "迁改工程"]
READING_FIELDS = ("minutes_monitored", "minutes_above", "minutes_below",
                  "max_deviation_pct", "min_deviation_pct")  # fmt: skip


def seed(rng, stdout) -> None:
    if Interruption.objects.filter(source_ref__startswith=PREFIX).exists():
        return
    now = timezone.now()
    rows = _interruption_rows(rng, now)
    for start in range(0, len(rows), 5000):
        services.import_interruptions(rows[start : start + 5000], acting_user=SYSTEM)
    points = _points(rng)
    _readings(rng, points, now)
    result = alerts.scan_supply_quality(acting_user=SYSTEM, now=now)
    stdout.write(
        f"  supply: {len(rows)} interruptions, {len(points)} monitoring points, "
        f"{result.opened} proactive follow-ups"
    )


def _interruption_rows(rng, now: dt.datetime) -> list[dict]:
    rows: list[dict] = []
    for feeder in Feeder.objects.order_by("code"):
        # Most feeders are reliable; a few fail often (the ones the overview should show).
        faults = rng.choice([0, 0, 1, 1, 2, 3]) + (rng.randint(5, 9) if rng.random() < 0.1 else 0)
        for n in range(faults):
            start = now - dt.timedelta(minutes=rng.randint(60, 365 * 24 * 60))
            minutes = rng.choice([15, 25, 40, 70, 95, 150, 240, 420])
            end = min(start + dt.timedelta(minutes=minutes), now - dt.timedelta(minutes=1))
            late = rng.random() < 0.08
            cleared = end - dt.timedelta(hours=30 if late else rng.uniform(0.1, 2))
            rows.append(_row(f"{PREFIX}{feeder.code}-F{n}", feeder, start, end, rng, planned=False,
                             cleared=max(cleared, start)))  # fmt: skip
        for n in range(rng.choice([1, 2, 2, 3])):
            start = (now - dt.timedelta(days=rng.randint(2, 360))).replace(
                hour=8, minute=0, second=0, microsecond=0
            )
            end = start + dt.timedelta(hours=rng.choice([4, 6, 8]))
            rows.append(_row(f"{PREFIX}{feeder.code}-P{n}", feeder, start, end, rng, planned=True))
    return rows


def _row(ref, feeder, start, end, rng, *, planned: bool, cleared=None) -> dict:
    return {
        "source_ref": ref,
        "feeder": feeder.code,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "cause": rng.choice(CAUSES_PLANNED if planned else CAUSES_FAULT),
        "planned": planned,
        "cause_cleared_at": cleared.isoformat() if cleared else None,
    }


def _voltage_class(voltage_kv) -> str:
    if voltage_kv is None or voltage_kv < 1:
        return "220v"
    if voltage_kv >= 35:
        return "35kv_plus"
    return "20kv" if voltage_kv >= 20 else "10kv"


def _points(rng) -> list[MonitoringPoint]:
    customers = list(Customer.objects.active().order_by("account_no")[:MAX_POINTS])
    primary = {
        sp.customer_id: sp
        for sp in SupplyPoint.objects.filter(customer__in=customers, is_primary=True)
    }
    points = [
        MonitoringPoint(
            code=f"VM-{c.account_no}",
            name=f"{c.name} 进线",
            customer=c,
            supply_point=primary.get(c.pk),
            voltage_class=_voltage_class(c.voltage_kv),
        )
        for c in customers
    ]
    return MonitoringPoint.objects.bulk_create(points, ignore_conflicts=True)


def _readings(rng, points: list[MonitoringPoint], now: dt.datetime) -> None:
    today = timezone.localdate(now)
    saved = dict(
        MonitoringPoint.objects.filter(code__in=[p.code for p in points]).values_list("code", "pk")
    )

    def rows():
        for point in points:
            quality = rng.random()  # a few points have poor voltage, a few send with gaps
            for back in range(1, 366):
                if quality > 0.95 and rng.random() < 0.3:
                    continue
                monitored = 1440
                bad = rng.randint(0, 200) if quality < 0.05 else rng.choice([0, 0, 0, 5, 12, 30])
                above = rng.randint(0, bad)
                high = Decimal(rng.uniform(1.0, 9.5 if bad else 6.5)).quantize(Decimal("0.01"))
                low = Decimal(-rng.uniform(0.5, 9.0 if bad else 6.5)).quantize(Decimal("0.01"))
                yield (saved[point.code], today - dt.timedelta(days=back), monitored, above,
                       bad - above, high, low)  # fmt: skip

    copy_upsert(
        VoltageReading,
        ("point_id", "day", *READING_FIELDS),
        rows(),
        key=("point_id", "day"),
        update=READING_FIELDS,
    )
