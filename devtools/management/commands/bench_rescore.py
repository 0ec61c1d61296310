"""`manage.py bench_rescore`: risk follows the money, and the scan split across workers, with
real Celery worker processes on the Redis broker (not eager).

1. **Baseline**: a scan of every customer in this process (RISK_SCAN_WORKERS connections), so
   that every customer shows what the data says.
2. **Rescoring delay** (one worker process): `--changes` payments one after the other, each
   timed from the call to `record_payment` until this process sees the customer's assessment
   of a rescoring (polled every 10 ms); then a burst of `--burst` payments for as many
   customers, recorded as fast as one connection allows, each timed from its call to the
   `finished_at` of the rescoring that covered it, and the number of task runs (rescorings)
   the burst caused.
3. **Same result as the nightly scan**: a scan of every customer after the rescorings: the
   number of customers whose level or score it would change (0 expected).
4. **Scan split across workers**: the scan with RISK_SCAN_PARTITIONS = 1, 2 and 4 partitions,
   each run by as many worker processes started for the run (one connection each:
   RISK_SCAN_WORKERS=1, solo pool, prefetch 1), timed from the claim to `done`; an MD5 of
   every assessment row (customer, score, level, override, previous level, rise, change,
   reasons, in customer order) must equal the in-process scan's of step 3.

It records payments, so it refuses a database whose name does not contain "bench" and the
shared `crm_bench` itself unless --force: run it on a copy
(`createdb -T crm_bench crm_bench_risk`). CELERY_BROKER_URL must be a Redis URL; the default
queue of that broker is purged first.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Max
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from billing.payments import record_payment
from common.actors import SYSTEM
from customers.models import Customer
from devtools.bench_results import percentile, record
from risk import services as risk
from risk.models import RiskAssessment, RiskScan, RiskScanTrigger


class Workers:
    """`count` Celery worker processes (solo pool, prefetch 1), stopped on exit."""

    def __init__(self, count: int, *, env: dict[str, str] | None = None) -> None:
        self.count = count
        self.tag = uuid.uuid4().hex[:6]
        self.env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false", **(env or {})}
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> Workers:
        for i in range(self.count):
            self.processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "config",
                        "worker",
                        "-P",
                        "solo",
                        "--prefetch-multiplier",
                        "1",
                        "-l",
                        "WARNING",
                        "-n",
                        f"bench{i}-{self.tag}@%h",
                    ],
                    env=self.env,
                    cwd=settings.BASE_DIR,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        deadline = time.monotonic() + 90
        names: set[str] = set()
        while time.monotonic() < deadline:
            replies = current_app.control.ping(timeout=1.0) or []
            names = {name for reply in replies for name in reply if self.tag in name}
            if len(names) >= self.count:
                return self
        self.__exit__()
        raise CommandError(f"only {len(names)} of {self.count} workers answered")

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Command(BaseCommand):
    help = "Benchmark the rescoring after money changes and the scan split across workers."

    def add_arguments(self, parser):
        parser.add_argument("--changes", type=int, default=20)
        parser.add_argument("--burst", type=int, default=1000)
        parser.add_argument("--partitions", default="1,2,4")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, **options):
        # The digests of the risers go to memory, not to the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._run(**options)

    def _run(self, *, changes, burst, partitions, force, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_rescore needs PostgreSQL.")
        name = connection.settings_dict["NAME"]
        if ("bench" not in name or name == "crm_bench") and not force:
            raise CommandError(
                f"Refusing to run on {name!r}: it records payments; run it on a copy of "
                "crm_bench (createdb -T crm_bench crm_bench_copy)."
            )
        if not str(settings.CELERY_BROKER_URL).startswith("redis"):
            raise CommandError("CELERY_BROKER_URL must be a Redis URL (real workers).")
        if RiskScan.objects.active().exists():
            raise CommandError("A risk scan is queued or running; wait for it to finish.")
        counts = [int(n) for n in partitions.split(",") if n.strip()]
        current_app.conf.task_always_eager = False
        current_app.control.purge()
        reverse("risk:overview")  # loads the URL configuration, as in a worker
        customers = list(Customer.objects.active().order_by("pk").values_list("pk", flat=True))
        if len(customers) < changes + burst:
            raise CommandError(f"only {len(customers):,} active customers")
        step = len(customers) // (changes + burst)
        picked = customers[::step][: changes + burst]

        self.stdout.write("baseline scan in this process …")
        baseline, _sum = self._scan_here()
        with Workers(1):
            self.stdout.write(f"{changes} payments one after the other …")
            single = [self._one_change(pk) for pk in picked[:changes]]
            self.stdout.write(f"a burst of {burst:,} payments …")
            burst_delays, runs, burst_seconds = self._burst(picked[changes:])
        self.stdout.write("scan after the rescorings …")
        after, after_sum = self._scan_here()
        changed = RiskAssessment.objects.filter(scan=after, changed=True).count()
        split = []
        for count in counts:
            self.stdout.write(f"scan in {count} partition(s) on {count} worker process(es) …")
            with Workers(count, env={"RISK_SCAN_WORKERS": "1"}):
                split.append((count, *self._scan_split(count)))

        self.stdout.write(
            f"\nrun {timezone.now():%Y-%m-%d %H:%M}, database {name}, "
            f"{len(customers):,} active customers, load {os.getloadavg()[0]:.1f}"
        )
        self.stdout.write("| measure | p50 | p95 | max | note |")
        self.stdout.write("| --- | ---: | ---: | ---: | --- |")
        self.stdout.write(
            f"| rescoring delay, {changes} single payments | {statistics.median(single):.2f} s | "
            f"{percentile(single, 0.95):.2f} s | {max(single):.2f} s | target ≤ 5 s |"
        )
        self.stdout.write(
            f"| rescoring delay, burst of {burst:,} payments | "
            f"{statistics.median(burst_delays):.2f} s | {percentile(burst_delays, 0.95):.2f} s | "
            f"{max(burst_delays):.2f} s | {runs} task runs; payments recorded in "
            f"{burst_seconds:.1f} s |"
        )
        self.stdout.write(
            f"\nscan in this process: {baseline.duration.total_seconds():.2f} s before, "
            f"{after.duration.total_seconds():.2f} s after the rescorings; rows it changed "
            f"after the rescorings: {changed} (0 = the rescorings wrote what the scan finds)"
        )
        self.stdout.write("| worker processes | scan s | rows | MD5 of the rows | = in-process |")
        self.stdout.write("| ---: | ---: | ---: | --- | --- |")
        record(
            "risk rescoring",
            f"delay after a payment, p95 of {changes}",
            f"{percentile(single, 0.95):.2f} s",
            "≤ 5 s",
            percentile(single, 0.95) <= 5,
        )
        record(
            "risk rescoring",
            f"delay in a burst of {burst:,}, p95",
            f"{percentile(burst_delays, 0.95):.2f} s",
            "≤ 5 s",
            percentile(burst_delays, 0.95) <= 5,
        )
        record(
            "risk rescoring",
            "rows the nightly scan changed after the rescorings",
            str(changed),
            "0",
            changed == 0,
        )
        for count, seconds, rows, checksum in split:
            same = "yes" if checksum == after_sum else "NO"
            record(
                "risk scan across workers",
                f"{count} worker process(es)",
                f"{seconds:.2f} s, rows {'identical' if same == 'yes' else 'DIFFERENT'}",
                "identical rows",
                same == "yes",
            )
            self.stdout.write(f"| {count} | {seconds:.2f} | {rows:,} | {checksum} | {same} |")

    # --- rescoring -----------------------------------------------------------------------------

    def _pay(self, customer_id: int) -> float:
        started = time.time()
        record_payment(
            Customer.objects.get(pk=customer_id),
            amount=Decimal("1.00"),
            paid_at=timezone.now(),
            channel="bank",
            reference=f"bench-rescore-{uuid.uuid4().hex[:16]}",
            acting_user=SYSTEM,
        )
        return started

    def _last_scan(self) -> int:
        return RiskScan.objects.aggregate(m=Max("pk"))["m"] or 0

    def _one_change(self, customer_id: int) -> float:
        last = self._last_scan()
        started = self._pay(customer_id)
        deadline = started + 60
        seen = RiskAssessment.objects.filter(
            customer_id=customer_id,
            scan_id__gt=last,
            scan__status="done",
            scan__trigger=RiskScanTrigger.CHANGE,
        )
        while time.time() < deadline:
            if seen.exists():
                return time.time() - started
            time.sleep(0.01)
        raise CommandError(f"customer {customer_id} was not rescored within 60 s")

    def _burst(self, customer_ids: list[int]) -> tuple[list[float], int, float]:
        last = self._last_scan()
        began = time.time()
        started = {pk: self._pay(pk) for pk in customer_ids}
        recorded = time.time() - began
        rows = RiskAssessment.objects.filter(
            customer_id__in=customer_ids,
            scan_id__gt=last,
            scan__status="done",
            scan__trigger=RiskScanTrigger.CHANGE,
        )
        deadline = time.time() + 120
        while rows.values("customer_id").distinct().count() < len(customer_ids):
            if time.time() > deadline:
                raise CommandError("the burst was not rescored within 120 s")
            time.sleep(0.1)
        finished: dict[int, float] = {}
        for customer_id, at in rows.order_by("scan_id").values_list(
            "customer_id", "scan__finished_at"
        ):
            if at is not None:  # a rescoring is written done with its finishing time
                finished.setdefault(customer_id, at.timestamp())
        delays = [finished[pk] - started[pk] for pk in customer_ids]
        runs = RiskScan.objects.filter(pk__gt=last, trigger=RiskScanTrigger.CHANGE).count()
        return delays, runs, recorded

    # --- the scan ------------------------------------------------------------------------------

    def _checksum(self, scan_id: int) -> tuple[int, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT count(*), md5(string_agg(concat_ws('|', customer_id, score, level,
                       override_level, previous_level, rose, changed, reasons::text), ','
                       ORDER BY customer_id))
                FROM {RiskAssessment._meta.db_table} WHERE scan_id = %s""",
                [scan_id],
            )
            rows, checksum = cursor.fetchone()
        return rows, checksum

    def _scan_here(self) -> tuple[RiskScan, str]:
        queued = risk.queue_risk_scan(acting_user=SYSTEM, trigger=RiskScanTrigger.COMMAND)
        with override_settings(RISK_SCAN_PARTITIONS=0):
            done = risk.run_risk_scan(queued.pk)
        if done is None or done.status != "done":
            raise CommandError(f"the scan did not finish: {done and done.error}")
        return done, self._checksum(done.pk)[1]

    def _scan_split(self, count: int) -> tuple[float, int, str]:
        queued = risk.queue_risk_scan(acting_user=SYSTEM, trigger=RiskScanTrigger.COMMAND)
        started = time.perf_counter()
        with override_settings(RISK_SCAN_PARTITIONS=count):
            risk.run_risk_scan(queued.pk)
        deadline = time.time() + 600
        while True:
            scan = RiskScan.objects.get(pk=queued.pk)
            if scan.status not in ("queued", "running"):
                break
            if time.time() > deadline:
                raise CommandError("the split scan did not finish within 600 s")
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        if scan.status != "done":
            raise CommandError(f"the split scan failed: {scan.error}")
        rows, checksum = self._checksum(scan.pk)
        return seconds, rows, checksum
