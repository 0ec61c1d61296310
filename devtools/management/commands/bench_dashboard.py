"""`manage.py bench_dashboard`: how fast the supervisors' dashboard answers at scale.

Run it on a database filled by `manage.py seed_bench` (customers, managers, 24 months of bills
and payments). `--prepare` first adds what seed_bench does not make, and times the scheduled
jobs that build it:

- the visit plan of every customer (the real job, `generate_visit_plans`), visits made for
  about a third of them with a survey for one in five (bulk rows);
- complaint tickets for about 8 % of the customers over the last 12 months, with callbacks
  (bulk rows);
- a grid (a substation and feeders per region) and ten upcoming outages hitting a few hundred
  customers each, with notices (bulk rows);
- two arrears-risk scans (the real scan, risk.services), so the dashboard has a movement;
- the summary of money figures of this month and the previous one (the real job) and the
  previous month's performance snapshots (the real job).

Then it requests the dashboard through Django's test client (URL routing, middleware,
authentication, serialisation and template rendering included) and reports the median, p95
and worst time of `--runs` warm requests, and the number of SQL queries of each.

PostgreSQL only: it refuses a database whose name does not contain "bench" unless --force.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts_manager.models import User
from common import moments
from common.actors import SYSTEM
from common.moments import period_label
from common.roles import Role
from customers.models import Customer
from dashboards import performance, summaries
from devtools import bench_dashboard_data as data
from devtools.bench_results import percentile
from grid.models import Region
from visits import services as visits
from visits.models import Visit, VisitPlan


@dataclass
class Timing:
    label: str
    median_ms: float
    p95_ms: float
    worst_ms: float
    queries: int


class Command(BaseCommand):
    help = "Time the dashboard, its API and the performance pages on a seed_bench database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--prepare",
            action="store_true",
            help="Add visits, complaints, outages, risk scans and summaries.",
        )
        parser.add_argument("--runs", type=int, default=20, help="Warm requests per page.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Allow a database whose name does not contain 'bench'.",
        )

    def handle(self, *args, prepare, runs, force, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_dashboard needs PostgreSQL.")
        name = connection.settings_dict["NAME"]
        if "bench" not in name and not force:
            raise CommandError(f"Refusing to run on {name!r}: its name does not contain 'bench'.")
        if not Customer.objects.exists():
            raise CommandError("The database has no customers: run `manage.py seed_bench` first.")
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        if prepare:
            self._prepare()
        self._describe()
        timings = self._measure(runs)
        self._report(timings)

    # --- preparing ---------------------------------------------------------------------------

    def _timed(self, label: str, fn, *args, **kwargs):
        started = time.monotonic()
        result = fn(*args, **kwargs)
        self.stdout.write(f"  {label}: {time.monotonic() - started:.2f} s")
        return result

    def _prepare(self) -> None:

        self.stdout.write("Preparing:")
        today = timezone.localdate()
        current = moments.current_period(today)
        previous = moments.shift_months(current, -1)
        result = self._timed("visit plan job (generate_visit_plans)", visits.generate_visit_plans)
        self.stdout.write(f"    {result}")
        self._timed("visit plan job again (nothing to do)", visits.generate_visit_plans)
        with transaction.atomic():
            self._timed("visits and surveys (bulk)", data.visits_and_surveys, today)
            self._timed("complaints and callbacks (bulk)", data.complaints, today)
            self._timed("grid, outages, impacts and notices (bulk)", data.outages, today)
        self._timed("risk scans (risk.services, twice)", data.risk_scans)
        self._timed(
            f"summary job {period_label(current)}",
            summaries.refresh_portfolio_summary,
            current,
        )
        self._timed(
            f"summary job {period_label(previous)}",
            summaries.refresh_portfolio_summary,
            previous,
        )
        created = self._timed(
            f"snapshot job {period_label(previous)}",
            performance.snapshot_performance,
            previous,
            acting_user=SYSTEM,
        )
        self.stdout.write(f"    {created} snapshots")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # --- measuring ---------------------------------------------------------------------------

    def _describe(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        memory = ""
        try:
            import psutil

            memory = f", {psutil.virtual_memory().total / 1024**3:.0f} GiB RAM"
        except ImportError:  # pragma: no cover - psutil is a dev dependency
            pass
        cpu = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as info:
                cpu = next(
                    line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
                )
        except (OSError, StopIteration):
            pass
        counts = {
            "customers": Customer.objects.count(),
            "bills": _estimate("billing_bill"),
            "payments": _estimate("billing_payment"),
            "managers": User.objects.filter(groups__name=Role.ACCOUNT_MANAGER).count(),
            "visit plan items": VisitPlan.objects.count(),
            "visits": Visit.objects.count(),
            "complaints": _estimate("complaints_complaint"),
        }
        self.stdout.write(
            f"Machine: {cpu}, {os.cpu_count()} CPUs{memory}; PostgreSQL {version}; "
            f"Python {platform.python_version()}"
        )
        self.stdout.write("Data: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))

    def _measure(self, runs: int) -> list[Timing]:
        admin = User.objects.filter(is_superuser=True, is_active=True).first()
        if admin is None:
            admin = User.objects.create(username="bench_admin", is_superuser=True, is_staff=True)
        region = Region.objects.order_by("code").first()
        supervisor = User.objects.filter(
            groups__name=Role.SUPERVISOR, region=region, is_active=True
        ).first()
        manager = User.objects.filter(groups__name=Role.ACCOUNT_MANAGER, region=region).first()
        previous = period_label(moments.shift_months(moments.current_period(), -1))
        cases = [
            ("API, all regions (administrator)", admin, "/api/v1/dashboard/"),
            ("page, all regions (administrator)", admin, "/dashboard/"),
        ]
        if supervisor is not None and region is not None:
            cases += [
                (f"API, region {region.code} (supervisor)", supervisor, "/api/v1/dashboard/"),
                (f"page, region {region.code} (supervisor)", supervisor, "/dashboard/"),
                (
                    "API, previous month (supervisor)",
                    supervisor,
                    f"/api/v1/dashboard/?period={previous}",
                ),
                ("league table page (supervisor)", supervisor, "/dashboard/managers/"),
            ]
        if manager is not None:
            cases += [
                ("manager performance API", admin, f"/api/v1/managers/{manager.pk}/performance/"),
                (
                    "manager performance page (12 months)",
                    admin,
                    f"/dashboard/managers/{manager.pk}/",
                ),
            ]
        timings = []
        for label, user, url in cases:
            client = Client()
            client.force_login(user)
            first = client.get(url)  # warms the summary, the role cache and the connection
            if first.status_code != 200:
                raise CommandError(f"{url} answered {first.status_code}")
            times = []
            queries = 0
            for _ in range(runs):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
                queries = len(captured.captured_queries)
            timings.append(
                Timing(
                    label, statistics.median(times), percentile(times, 0.95), max(times), queries
                )
            )
        started = time.perf_counter()
        summaries.refresh_portfolio_summary(moments.current_period())
        elapsed = (time.perf_counter() - started) * 1000
        timings.append(Timing("summary job, current month", elapsed, elapsed, elapsed, queries=0))
        return timings

    def _report(self, timings: list[Timing]) -> None:
        self.stdout.write("")
        self.stdout.write("| request | median | p95 | worst | SQL queries |")
        self.stdout.write("| --- | ---: | ---: | ---: | ---: |")
        for t in timings:
            self.stdout.write(
                f"| {t.label} | {t.median_ms:.0f} ms | {t.p95_ms:.0f} ms | {t.worst_ms:.0f} ms "
                f"| {t.queries or '—'} |"
            )


def _estimate(table: str) -> int:
    """A table's row count from the planner's statistics (exact counts take seconds)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
    return max(row[0], 0) if row else 0
