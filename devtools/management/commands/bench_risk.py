"""`manage.py bench_risk`: how the arrears-risk scan scales (run by `make bench`).

On a database filled by `seed_bench`, for each size (the first N active customers by id; the
others are suspended for the run and restored at the end) it measures:

- floor: one hand-written, read-only SQL statement computing every feature of every customer
  (risk.selectors.floor_sql), median of NIGHTLY_RUNS + 1 runs;
- sequential read: one statement reading every row of the bill table once
  (`SELECT count(*), sum(total)`), on one connection, median of NIGHTLY_RUNS + 1 runs, taken
  with the floor: the price of reading the bills at all, whatever the size (the whole table is
  read), so its ratio to the scan is the one that counts at the full size (target ≤ 3×);
- scan, first: a scan when no customer has a level yet (every level is written, every riser
  gets a follow-up);
- scan, nightly: the median of NIGHTLY_RUNS more scans on unchanged data (the nightly case),
  each run right after a run of the floor, so that both see the same state of the machine;
- naive: a per-customer ORM loop (features, score, an assessment row and the customer's level
  per customer, rolled back), timed on a sample of --naive-sample customers and scaled to N;
  its results are checked against the scan's;
- SQL statements of a scan (Django's CaptureQueriesContext);
- peak memory: the process's resident set size (RSS) sampled every 5 ms with psutil during
  the scan, and its growth over the RSS before the scan.

The URL configuration is loaded before anything is timed (the first scan of a process builds
the supervisors' link with reverse(), which would otherwise import every view), as it is in a
worker that has run a task before.

PostgreSQL only. It changes the database it runs on while it runs (statuses, levels, scans,
follow-ups) and puts it back at the end, so it refuses a database whose name does not contain
"bench" unless --force is given. Do not run it while another benchmark uses the database.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import threading
import time
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts_manager.models import FollowUp, Notice
from billing.models import Bill
from common.actors import SYSTEM
from customers.models import Customer
from devtools.bench_results import record
from risk import services as risk
from risk.models import RiskAssessment, RiskScan, RiskScanTrigger
from risk.rules import RiskRules, score_features
from risk.selectors import Windows, active_id_range, customer_features, floor_sql

BACKUP = "bench_risk_status_backup"
FOLLOWUP_BACKUP = "bench_risk_followup_backup"
MIB = 1024 * 1024
NIGHTLY_RUNS = 5


class StatementCounter:
    """Counts the SQL statements run on every connection, the scan's worker threads'
    included (without keeping their text)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.count += 1
        return execute(sql, params, many, context)

    def _install(self, sender, connection, **kwargs) -> None:
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)

    def __enter__(self) -> StatementCounter:
        self._install(None, connection)
        connection_created.connect(self._install)
        return self

    def __exit__(self, *exc) -> None:
        connection_created.disconnect(self._install)
        if self in connection.execute_wrappers:
            connection.execute_wrappers.remove(self)


class RssSampler(threading.Thread):
    """The peak resident set size of this process while running."""

    def __init__(self, interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process()
        self.interval = interval
        self.stopped = threading.Event()
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self.stopped.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


@dataclass
class ScanRun:
    seconds: float
    statements: int
    peak_rss: int
    rss_growth: int
    scan: RiskScan


@dataclass
class SizeResult:
    size: int
    floor: float = 0.0
    seq_read: float = 0.0
    first: ScanRun | None = None
    nightly: list[ScanRun] = field(default_factory=list)
    naive_per_customer: float = 0.0
    naive_sample: int = 0
    naive_statements: int = 0
    agreement: tuple[int, int] = (0, 0)

    @property
    def nightly_seconds(self) -> float:
        return statistics.median(run.seconds for run in self.nightly)

    @property
    def naive(self) -> float:
        return self.naive_per_customer * self.size


class Command(BaseCommand):
    help = "Benchmark the arrears-risk scan at several sizes against its floor and a naive loop."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="10000,50000,200000")
        parser.add_argument("--naive-sample", type=int, default=2000)
        parser.add_argument("--force", action="store_true")
        parser.add_argument("--markdown", action="store_true", help="Print a Markdown table.")

    def handle(self, *args, sizes, naive_sample, force, markdown, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_risk needs PostgreSQL.")
        name = connection.settings_dict["NAME"]
        if "bench" not in name and not force:
            raise CommandError(f"Refusing to run on {name!r}: its name does not contain 'bench'.")
        try:
            wanted = sorted({int(n) for n in sizes.split(",") if n.strip()})
        except ValueError as exc:
            raise CommandError("--sizes is a comma-separated list of numbers") from exc
        if RiskScan.objects.active().exists():
            raise CommandError("A risk scan is queued or running; wait for it to finish.")
        reverse("risk:overview")  # loads the URL configuration (see the module's docstring)
        self._restore()  # a previous run that was interrupted
        self._reopen_followups()
        self._backup()
        results = []
        last_scan = RiskScan.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started_at = timezone.now()
        try:
            available = self._count_active()
            for size in wanted:
                if size > available:
                    self.stderr.write(f"skipping {size:,}: only {available:,} active customers")
                    continue
                results.append(self._measure(size, naive_sample))
        finally:
            self._restore()
            self._clean_up(last_scan, started_at)
            self._reopen_followups()
        self._report(results, markdown)

    # --- the runs ----------------------------------------------------------------------------

    def _measure(self, size: int, naive_sample: int) -> SizeResult:
        self.stdout.write(f"{size:,} customers …")
        self._activate(size)
        result = SizeResult(size=size)
        self._forget_levels()
        floors = [self._floor()]
        reads = [self._seq_read()]
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            result.first = self._scan()
            for _ in range(NIGHTLY_RUNS):
                floors.append(self._floor())
                reads.append(self._seq_read())
                result.nightly.append(self._scan())
        result.floor = statistics.median(floors)
        result.seq_read = statistics.median(reads)
        self._naive(result, naive_sample)
        self.stdout.write(
            f"  floor {result.floor:.2f} s, bill table read {result.seq_read:.2f} s, "
            f"scan {result.first.seconds:.2f} s first / "
            f"{result.nightly_seconds:.2f} s nightly, naive ≈ {result.naive:.0f} s"
        )
        return result

    def _floor(self) -> float:
        """The features of the same customers as the scan's (the active id range)."""
        windows = Windows(as_of=timezone.localdate(), now=timezone.now())
        _count, lo, hi = active_id_range()
        params = {**windows.params(), "lo": lo, "hi": hi + 1}
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(floor_sql(), params)
            cursor.fetchall()
        return time.perf_counter() - started

    def _seq_read(self) -> float:
        """One sequential read of every row of the bill table, on this connection."""
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*), sum(total) FROM {Bill._meta.db_table}")
            cursor.fetchall()
        return time.perf_counter() - started

    def _scan(self) -> ScanRun:
        with StatementCounter() as statements, RssSampler() as rss:
            started = time.perf_counter()
            queued = risk.queue_risk_scan(acting_user=SYSTEM, trigger=RiskScanTrigger.COMMAND)
            done = risk.run_risk_scan(queued.pk)
            seconds = time.perf_counter() - started
        if done is None or done.status != "done":
            raise CommandError(f"the scan did not finish: {done and done.error}")
        return ScanRun(seconds, statements.count, rss.peak, rss.peak - rss.baseline, done)

    def _naive(self, result: SizeResult, sample: int) -> None:
        """The per-customer way, on every k-th active customer, rolled back afterwards."""
        step = max(1, result.size // sample)
        ids = list(
            Customer.objects.active().order_by("pk").values_list("pk", flat=True)[::step][:sample]
        )
        rules = RiskRules.from_settings()
        now = timezone.now()
        windows = Windows(as_of=timezone.localdate(now), now=now)
        scored = {}
        with transaction.atomic(), StatementCounter() as statements:
            scan = RiskScan.objects.create(trigger=RiskScanTrigger.COMMAND, status="done")
            started = time.perf_counter()
            for pk in ids:
                customer = Customer.objects.get(pk=pk)
                features = customer_features(customer, windows)
                score, level, reasons = score_features(features, rules)
                RiskAssessment.objects.create(
                    scan=scan,
                    customer=customer,
                    scanned_at=now,
                    score=score,
                    level=level,
                    previous_level=customer.risk_level,
                    reasons=reasons,
                )
                customer.risk_level, customer.risk_score = level, score
                customer.save(update_fields=["risk_level", "risk_score"])
                scored[pk] = (score, level, reasons)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        result.naive_per_customer = elapsed / len(ids)
        result.naive_sample = len(ids)
        result.naive_statements = statements.count
        last = result.nightly[-1].scan
        found = {
            a.customer_id: (a.score, a.level, a.reasons)
            for a in RiskAssessment.objects.filter(scan=last, customer_id__in=ids)
        }
        result.agreement = (sum(found.get(pk) == scored[pk] for pk in ids), len(ids))

    # --- the data ----------------------------------------------------------------------------

    def _count_active(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {BACKUP} WHERE status = 'active'")
            return cursor.fetchone()[0]

    def _backup(self) -> None:
        table = Customer._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {BACKUP} AS SELECT id, status, risk_level, risk_score, "
                f"row_number() OVER (PARTITION BY status = 'active' ORDER BY id) AS rank "
                f"FROM {table}"
            )
        # Open risk follow-ups would keep the first scan from opening its own: they are set
        # aside for the run and reopened afterwards.

        followups = FollowUp._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {FOLLOWUP_BACKUP} AS SELECT id FROM {followups} "
                f"WHERE kind = 'risk' AND status = 'open'"
            )
            cursor.execute(
                f"UPDATE {followups} SET status = 'cancelled' "
                f"WHERE id IN (SELECT id FROM {FOLLOWUP_BACKUP})"
            )

    def _reopen_followups(self) -> None:

        followups = FollowUp._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [FOLLOWUP_BACKUP])
            if cursor.fetchone()[0] is None:
                return
            cursor.execute(
                f"UPDATE {followups} SET status = 'open' "
                f"WHERE id IN (SELECT id FROM {FOLLOWUP_BACKUP})"
            )
            cursor.execute(f"DROP TABLE {FOLLOWUP_BACKUP}")

    def _activate(self, size: int) -> None:
        """The first `size` active customers stay active; the other active ones are
        suspended for the run."""
        table = Customer._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
UPDATE {table} c SET status = CASE WHEN b.rank <= %s THEN 'active' ELSE 'suspended' END
FROM {BACKUP} b
WHERE b.id = c.id AND b.status = 'active'
  AND c.status IS DISTINCT FROM (CASE WHEN b.rank <= %s THEN 'active' ELSE 'suspended' END)""",
                [size, size],
            )
            cursor.execute(f"VACUUM ANALYZE {table}")

    def _forget_levels(self) -> None:
        """As before any scan: no level, no open risk follow-up (the ones there before the
        run are set aside by _backup)."""

        table = Customer._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET risk_level = NULL, risk_score = NULL "
                f"WHERE risk_level IS NOT NULL OR risk_score IS NOT NULL"
            )
        FollowUp.objects.filter(kind="risk", status="open").delete()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")

    def _restore(self) -> None:
        table = Customer._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [BACKUP])
            if cursor.fetchone()[0] is None:
                return
            cursor.execute(
                f"UPDATE {table} c SET status = b.status, risk_level = b.risk_level, "
                f"risk_score = b.risk_score FROM {BACKUP} b WHERE b.id = c.id"
            )
            cursor.execute(f"DROP TABLE {BACKUP}")
            cursor.execute(f"VACUUM ANALYZE {table}")

    def _clean_up(self, last_scan: int, started_at: dt.datetime) -> None:
        """Remove what the runs wrote, so that every run starts from the same database."""

        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {RiskAssessment._meta.db_table} WHERE scan_id > %s", [last_scan]
            )
        RiskScan.objects.filter(pk__gt=last_scan).delete()
        Notice.objects.filter(key__startswith="risk-scan:", created_at__gte=started_at).delete()
        FollowUp.objects.filter(kind="risk", created_at__gte=started_at).delete()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {RiskAssessment._meta.db_table}")

    # --- the report --------------------------------------------------------------------------

    def _machine(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
        cpu = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as info:
                cpu = next(
                    line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
                )
        except (OSError, StopIteration):
            pass
        return (
            f"{os.cpu_count()} CPUs ({cpu}), {memory:.0f} GiB RAM, PostgreSQL {version}, "
            f"Python {platform.python_version()}, {dt.date.today().isoformat()}"
        )

    def _report(self, results: list[SizeResult], markdown: bool) -> None:
        self.stdout.write(f"\nMachine: {self._machine()}")
        head = (
            "customers",
            "floor s",
            "bill read s",
            "scan first s",
            "scan nightly s",
            "nightly/floor",
            "nightly/bill read",
            "first/floor",
            "naive s (est.)",
            "naive/nightly",
            "statements first/nightly",
            "peak RSS MiB (growth)",
            "agrees with naive",
        )
        rows = []
        for r in results:
            first = r.first
            assert first is not None  # _measure always runs the first scan
            runs = [first, *r.nightly]
            rows.append(
                (
                    f"{r.size:,}",
                    f"{r.floor:.2f}",
                    f"{r.seq_read:.2f}",
                    f"{first.seconds:.2f}",
                    f"{r.nightly_seconds:.2f}",
                    f"{r.nightly_seconds / r.floor:.2f}×",
                    f"{r.nightly_seconds / r.seq_read:.2f}×",
                    f"{first.seconds / r.floor:.2f}×",
                    f"{r.naive:,.0f}",
                    f"{r.naive / r.nightly_seconds:,.0f}×",
                    f"{first.statements}/{r.nightly[0].statements}",
                    f"{max(run.peak_rss for run in runs) / MIB:.0f} "
                    f"(+{max(run.rss_growth for run in runs) / MIB:.1f})",
                    f"{r.agreement[0]}/{r.agreement[1]}",
                )
            )
        if markdown:
            self.stdout.write("| " + " | ".join(head) + " |")
            self.stdout.write("|" + "---|" * len(head))
            for row in rows:
                self.stdout.write("| " + " | ".join(row) + " |")
        else:
            widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
            self.stdout.write("  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)))
            for row in rows:
                self.stdout.write("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
        if results:
            r = results[-1]
            ratio = r.nightly_seconds / r.seq_read if r.seq_read else float("inf")
            record(
                "risk scan",
                f"nightly scan of {r.size:,} customers / one read of the bill table",
                f"{r.nightly_seconds:.2f} s / {r.seq_read:.2f} s = {ratio:.1f}×",
                "≤ 3×",
                ratio <= 3,
            )
            self.stdout.write(
                f"naive: {r.naive_per_customer * 1000:.2f} ms and "
                f"{r.naive_statements / max(r.naive_sample, 1):.1f} statements per customer "
                f"(sample of {r.naive_sample:,})"
            )
