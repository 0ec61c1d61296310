"""`manage.py bench_supply`: supply quality at scale (issue 15).

On a database filled by `seed_bench` it adds monitoring points at the first customers (one
each) and a year of fault and planned interruptions on every feeder, then times:

- import: `--rows` (1,000,000) daily voltage readings through the import service
  (`supply.services.import_readings`, the API's and the upload's path: every row checked, then
  one COPY upsert per chunk of `SUPPLY_IMPORT_MAX_ROWS`); target ≤ 60 s;
- indicators: every customer's figures for 12 months and the window in one statement
  (`supply.selectors.interruption_figures`), and the statements it takes (1, whatever the
  number of customers).

Afterwards the points, readings and interruptions it made are deleted: the database is left as
it was. It refuses a database whose name does not contain "bench" unless --force is given.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.actors import SYSTEM
from customers.models import Customer
from devtools.bench_results import record
from grid.models import Feeder
from supply import selectors, services
from supply.models import Interruption, MonitoringPoint

TARGET_SECONDS = 60.0
PREFIX = "BENCH-"


class Command(BaseCommand):
    help = "Time importing daily voltage readings and computing every customer's indicators."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--days", type=int, default=365, help="Days of readings per point.")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, rows: int, days: int, force: bool, **options):
        if "bench" not in connection.settings_dict["NAME"] and not force:
            raise CommandError("Not a bench database (its name lacks 'bench'); --force to run.")
        points = self._points(max(1, -(-rows // days)))
        try:
            self._interruptions()
            self._time_import(points, rows, days)
            self._time_indicators()
        finally:
            Interruption.objects.filter(source_ref__startswith=PREFIX).delete()
            MonitoringPoint.objects.filter(code__startswith=PREFIX).delete()

    def _points(self, count: int) -> list[MonitoringPoint]:
        customers = Customer.objects.order_by("pk").values_list("pk", flat=True)[:count]
        made = [
            MonitoringPoint(code=f"{PREFIX}{pk}", customer_id=pk, voltage_class="10kv")
            for pk in customers
        ]
        return MonitoringPoint.objects.bulk_create(made, batch_size=5000)

    def _interruptions(self) -> None:
        rng = random.Random(15)
        now = timezone.now()
        rows = []
        for feeder in Feeder.objects.values_list("code", flat=True):
            for n in range(rng.randint(1, 6)):
                start = now - dt.timedelta(minutes=rng.randint(120, 365 * 24 * 60))
                rows.append(
                    {
                        "source_ref": f"{PREFIX}{feeder}-{n}",
                        "feeder": feeder,
                        "start": start.isoformat(),
                        "end": (start + dt.timedelta(minutes=rng.randint(10, 300))).isoformat(),
                        "planned": n == 0,
                    }
                )
        for at in range(0, len(rows), settings.SUPPLY_IMPORT_MAX_ROWS):
            services.import_interruptions(
                rows[at : at + settings.SUPPLY_IMPORT_MAX_ROWS], acting_user=SYSTEM
            )
        self.stdout.write(f"{len(rows)} interruptions on the feeders")

    def _time_import(self, points, rows: int, days: int) -> None:
        today = timezone.localdate()
        all_rows = [
            {
                "point": point.code,
                "day": (today - dt.timedelta(days=back)).isoformat(),
                "minutes_monitored": 1440,
                "minutes_above": back % 7,
                "minutes_below": back % 5,
                "max_deviation_pct": "5.20",
                "min_deviation_pct": "-4.10",
            }
            for point in points
            for back in range(1, days + 1)
        ][:rows]
        chunk = settings.SUPPLY_IMPORT_MAX_ROWS
        started = time.perf_counter()
        for at in range(0, len(all_rows), chunk):
            result = services.import_readings(all_rows[at : at + chunk], acting_user=SYSTEM)
            if result.errors:
                raise CommandError(f"import refused rows: {result.errors[:3]}")
        seconds = time.perf_counter() - started
        passed = seconds <= TARGET_SECONDS
        self.stdout.write(
            f"import: {len(all_rows):,} readings in {seconds:.1f} s "
            f"({len(all_rows) / seconds:,.0f}/s) — target ≤ {TARGET_SECONDS:.0f} s "
            f"{'ok' if passed else 'MISSED'}"
        )
        record("supply", "import readings", f"{len(all_rows):,} rows in {seconds:.1f} s",
               f"≤ {TARGET_SECONDS:.0f} s", passed)  # fmt: skip

    def _time_indicators(self) -> None:
        now = timezone.now()
        periods = selectors.month_periods(12, now=now)
        periods.append(selectors.Period("total", periods[0].start, now))
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            figures = selectors.interruption_figures(periods, now=now)
        seconds = time.perf_counter() - started
        customers = len({cid for cid, _key in figures})
        self.stdout.write(
            f"indicators: {customers:,} customers cut off, {len(figures):,} figures in "
            f"{seconds:.1f} s, {len(queries)} statement(s)"
        )
        record("supply", "every customer's indicators",
               f"{seconds:.1f} s, {len(queries)} statement(s)", "1 statement",
               len(queries) == 1)  # fmt: skip
