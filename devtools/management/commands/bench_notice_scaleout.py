"""Scale-out proof of the notice batch: 1, 2 and 4 separate worker processes, one SMS gateway.

On its own PostgreSQL database (created if missing, then migrated), an approved outage over
the bench feeders of `--contacts` contacts (100,000 by default: region BENCH, built once by
`devtools.bench_outage_data` and reused) has its notices planned once. The command starts the
local SMS gateway (`devtools.sms_gateway`, answering each message after `--delay-ms`), then for
each worker count N: puts every notice back to pending, starts N separate `celery -A config
worker` processes (distinct `-n` names, prefork `--concurrency`, as on N machines; real
HttpSmsSender against the gateway), lets `outages.events.dispatch_notices` queue one batch task
per worker slot through the Redis broker, and waits until no notice is pending. Throughput is
counted at the gateway (distinct messages ÷ first to last message); duplicates are keys it got
more than once, lost ones the planned keys it never got. Targets: 2 workers ≥ 1.8× and 4
workers ≥ 3× the single worker's throughput, 0 duplicates and 0 lost.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
from celery import current_app as app
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from devtools.bench_outage_data import approved_outage, build_feeders
from devtools.bench_results import record
from outages import events, notices
from outages.models import Notification, NotificationStatus, PlannedOutage

AREA = "BENCH-SCALEOUT"
ROOT = Path(settings.BASE_DIR)
CELERY = Path(sys.executable).with_name("celery")
TARGETS = {2: 1.8, 4: 3.0}


@dataclass
class Run:
    workers: int
    messages: int = 0
    duplicates: int = 0
    lost: int = 0
    rate: float = 0.0
    wall: float = 0.0
    worker_cpu: float = 0.0
    gateway_cpu: float = 0.0
    pending: int = 0


def ensure_database() -> None:
    """Create the configured PostgreSQL database if it does not exist (a bench of its own)."""
    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        host=db["HOST"] or "127.0.0.1",
        port=int(db["PORT"] or 5432),
        user=db["USER"],
        password=db["PASSWORD"] or None,
        autocommit=True,
    ) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Gateway:
    """The local SMS gateway, as a separate process."""

    def __init__(self, delay_ms: float, log: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devtools.sms_gateway", "--port=0", f"--delay-ms={delay_ms}"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log.open("ab"),
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "SMS gateway on http://host:port/send, …"
        if "http://" not in line:
            self.stop()
            raise CommandError(f"The SMS gateway did not start: {line!r}; see {log}")
        self.url = line.split(" on ", 1)[1].split(",", 1)[0]
        self.base = self.url.rsplit("/", 1)[0]

    def call(self, path: str, method: str = "GET"):
        request = urllib.request.Request(
            self.base + path, method=method, data=b"" if method == "POST" else None
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def cpu(self) -> float:
        return process_cpu(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(10)


class Command(BaseCommand):
    help = "Send a notice batch through 1, 2 and 4 separate Celery workers to a local SMS gateway."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=100_000)
        parser.add_argument("--workers", default="1,2,4", help="Worker counts to run, in order.")
        parser.add_argument(
            "--concurrency", type=int, default=4, help="Prefork processes per worker."
        )
        parser.add_argument(
            "--delay-ms", type=float, default=20.0, help="The gateway's answer time."
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=100,
            help="OUTAGE_NOTIFY_CHUNK_SIZE of the workers: a slot sends its last chunk alone "
            "(500 messages at 20 ms are a 10 s tail), so smaller chunks measure the sending.",
        )
        parser.add_argument("--timeout", type=int, default=3600, help="Seconds per run at most.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"):
            raise CommandError(
                "Needs PostgreSQL (DATABASE_URL) and a Redis broker (CELERY_BROKER_URL)."
            )
        ensure_database()
        call_command("migrate", verbosity=0, interactive=False)
        outage, keys = self._prepare(options["contacts"])
        counts = [int(n) for n in options["workers"].split(",")]
        logs = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
        app.conf.task_always_eager = False  # the batch runs in the workers, not here
        gateway = Gateway(options["delay_ms"], logs / "gateway.log")
        runs = []
        try:
            for n in counts:
                runs.append(self._run(n, outage, keys, gateway, logs, options))
                self._report_run(runs[-1])
        finally:
            gateway.stop()
        self._table(runs, options, len(keys), logs)

    def _prepare(self, contacts: int) -> tuple[PlannedOutage, set[str]]:
        feeders = build_feeders(contacts)
        outage = PlannedOutage.objects.filter(area=AREA).order_by("-id").first()
        if outage is not None and Notification.objects.filter(outage=outage).count() < contacts:
            # Approved when the region had fewer contacts: its affected customers are frozen.
            outage.delete()
            outage = None
        if outage is None:
            outage = approved_outage(feeders, area=AREA)
            notices.plan_notices(outage)
        rows = Notification.objects.filter(outage=outage).only(
            "outage_id", "contact_id", "channel", "kind", "revision"
        )
        keys = {n.idempotency_key for n in rows}
        if len(keys) < contacts:
            raise CommandError(f"Only {len(keys)} notices planned for {contacts} contacts.")
        return outage, keys

    def _reset(self, outage: PlannedOutage) -> None:
        """Every notice of the bench outage pending again, as freshly planned."""
        now = timezone.now()
        Notification.objects.filter(outage=outage).update(
            status=NotificationStatus.PENDING,
            attempts=0,
            last_error="",
            claimed_by="",
            claimed_at=None,
            sent_at=None,
            delivered_at=None,
            provider_ref="",
            next_attempt_at=now,
            updated_at=now,
        )
        with connection.cursor() as cursor:
            # The run before leaves a dead row per notice; autovacuum would clear them in time.
            cursor.execute("VACUUM ANALYZE outages_notification")
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("celery")

    def _start_workers(
        self, n: int, gateway: Gateway, logs: Path, options
    ) -> list[subprocess.Popen]:
        env = {
            **os.environ,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DEBUG": "false",
            "SMS_GATEWAY_URL": gateway.url,
        }
        env["OUTAGE_NOTIFY_CHUNK_SIZE"] = str(options["chunk_size"])
        workers = []
        for i in range(1, n + 1):
            log = logs / f"worker-{n}-{i}.log"
            workers.append(
                subprocess.Popen(
                    [
                        *(str(CELERY), "-A", "config", "worker", "-n", f"scaleout{i}@%h"),
                        *("--pool", "prefork", "--concurrency", str(options["concurrency"])),
                        *("--loglevel", "WARNING", "--without-gossip", "--without-mingle"),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log.open("ab"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        return workers

    def _wait_ready(self, workers: list[subprocess.Popen], logs: Path) -> None:
        names: set[str] = set()
        deadline = time.monotonic() + 120
        while len(names) < len(workers):
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                raise CommandError(f"The workers did not start; see the logs in {logs}")
            for reply in app.control.ping(timeout=1.0) or []:
                names.update(n for n in reply if n.startswith("scaleout"))

    def _stop_workers(self, workers: list[subprocess.Popen]) -> None:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)  # warm shutdown: their tasks are done
        for worker in workers:
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(10)

    def _run(
        self, n: int, outage: PlannedOutage, keys: set[str], gateway: Gateway, logs, options
    ) -> Run:
        self._reset(outage)
        gateway.call("/reset", "POST")
        run = Run(workers=n)
        cpu_before, gateway_before = children_cpu(), gateway.cpu()
        workers = self._start_workers(n, gateway, logs, options)
        try:
            self._wait_ready(workers, logs)
            began = time.monotonic()
            with (
                override_settings(OUTAGE_NOTIFY_PARALLEL_TASKS=n * options["concurrency"]),
                transaction.atomic(),
            ):
                # One batch task per worker slot, queued as `notify` queues them.
                events.dispatch_notices(outage, len(keys))
            pending = Notification.objects.filter(outage=outage, status=NotificationStatus.PENDING)
            while pending.exists():
                if time.monotonic() - began > options["timeout"]:
                    break
                if all(w.poll() is not None for w in workers):
                    raise CommandError(f"Every worker exited; see the logs in {logs}")
                time.sleep(1)
            run.wall = time.monotonic() - began
            run.pending = pending.count()
        finally:
            self._stop_workers(workers)
        stats = gateway.call("/stats")
        run.messages, run.duplicates, run.rate = (
            stats["messages"],
            stats["duplicates"],
            stats["rate"],
        )
        run.lost = len(keys - set(gateway.call("/keys")))
        run.worker_cpu = children_cpu() - cpu_before
        run.gateway_cpu = gateway.cpu() - gateway_before
        return run

    def _report_run(self, run: Run) -> None:
        self.stdout.write(
            f"{run.workers} worker(s): {run.messages:,} messages in {run.wall:.1f} s, "
            f"{run.rate:,.0f}/s at the gateway, {run.duplicates} duplicates, {run.lost} lost, "
            f"{run.pending} left pending; CPU {run.worker_cpu:.1f} s workers, "
            f"{run.gateway_cpu:.1f} s gateway"
        )

    def _table(self, runs: list[Run], options, planned: int, logs: Path) -> None:
        base = next((r.rate for r in runs if r.workers == 1), 0.0)
        self.stdout.write(
            f"\nNotice batch scale-out: {planned:,} contacts, gateway {options['delay_ms']:g} ms, "
            f"prefork --concurrency {options['concurrency']} per worker, chunks of "
            f"{options['chunk_size']}; logs in {logs}"
        )
        self.stdout.write(
            "| workers | messages/s | × 1 worker | target | duplicates | lost | wall | "
            "worker CPU ms/msg | gateway CPU ms/msg | result |"
        )
        self.stdout.write("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        all_ok = True
        for run in runs:
            factor = run.rate / base if base else 0.0
            target = TARGETS.get(run.workers)
            ok = run.duplicates == 0 and run.lost == 0 and run.pending == 0
            ok = ok and (target is None or factor >= target)
            all_ok = all_ok and ok
            record(
                "notice scale-out",
                f"{run.workers} worker(s), {planned:,} contacts",
                f"{run.rate:,.0f} msg/s, {factor:.2f}×, {run.duplicates} dup., {run.lost} lost",
                f"{f'≥ {target}× ' if target else ''}0 duplicates, 0 lost",
                ok,
            )
            per = 1000 / run.messages if run.messages else 0.0
            self.stdout.write(
                f"| {run.workers} | {run.rate:,.0f} | {factor:.2f}× | "
                f"{f'≥ {target}×' if target else '—'} | {run.duplicates} | {run.lost} | "
                f"{run.wall:.1f} s | {run.worker_cpu * per:.2f} | {run.gateway_cpu * per:.2f} | "
                f"{'PASS' if ok else 'FAIL'} |"
            )
        self.stdout.write(
            ("PASS" if all_ok else "FAIL")
            + " (targets: 2 workers ≥ 1.8×, 4 workers ≥ 3× one worker; 0 duplicates, 0 lost)"
        )
