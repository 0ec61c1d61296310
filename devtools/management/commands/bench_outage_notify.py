"""Benchmark of a notice batch: an outage over feeders serving N contacts (default 10,000).

Measures the time from `notify` to every notice recorded and handed to the no-op channel,
notices per second, and SQL statements per chunk. The batch runs in this process exactly as
a worker runs it (Celery in eager mode), with OUTAGE_CHANNEL_SENDERS pointing at the no-op
sender. The bench customers (region BENCH) are built once and reused; each run makes a new
outage and deletes it afterwards unless --keep is given. PostgreSQL is the target database.
"""

from __future__ import annotations

import time
from collections import Counter

from celery import current_app as app
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings

from common.actors import SYSTEM
from devtools.bench_outage_data import approved_outage, build_feeders
from outages import notices, services
from outages.models import Notification, PlannedOutage

NOOP = "outages.channels.noop.NoopSender"


class Command(BaseCommand):
    help = "Time a notice batch of an outage over feeders serving N contacts (no-op channel)."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=10_000)
        parser.add_argument("--keep", action="store_true", help="Keep the bench outage.")

    def handle(self, *args, contacts: int, keep: bool, **options):
        feeders = build_feeders(contacts)
        outage = approved_outage(feeders)
        if connection.vendor == "postgresql":
            # Earlier runs leave dead rows behind; autovacuum would clear them in production.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE outages_notification")

        phase = {"name": "plan"}
        statements: Counter = Counter()
        chunks = {"n": 0}

        def count(execute, sql, params, many, context):
            statements[phase["name"]] += 1
            return execute(sql, params, many, context)

        original_claim, original_send = notices.claim_chunk, notices.send_chunk

        def claim(**kwargs):
            phase["name"] = "chunks"
            ids = original_claim(**kwargs)
            chunks["n"] += bool(ids)
            phase["name"] = "other"
            return ids

        def send(*args, **kwargs):
            phase["name"] = "chunks"
            try:
                return original_send(*args, **kwargs)
            finally:
                phase["name"] = "other"

        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True
        notices.claim_chunk, notices.send_chunk = claim, send
        try:
            with (
                override_settings(OUTAGE_CHANNEL_SENDERS={"sms": NOOP, "email": NOOP}),
                connection.execute_wrapper(count),
            ):
                began = time.perf_counter()
                services.notify_outage(outage, acting_user=SYSTEM)  # batch runs on commit
                elapsed = time.perf_counter() - began
        finally:
            notices.claim_chunk, notices.send_chunk = original_claim, original_send
            app.conf.task_always_eager = eager

        outage.refresh_from_db()
        sent = Notification.objects.filter(outage=outage, status="sent").count()
        total = Notification.objects.filter(outage=outage).count()
        rate = sent / elapsed if elapsed else 0.0
        per_chunk = statements["chunks"] / chunks["n"] if chunks["n"] else 0
        self.stdout.write(f"database: {connection.vendor}")
        self.stdout.write(f"contacts: {total} notices planned, {sent} sent, status {outage.status}")
        self.stdout.write(f"time from notify to all recorded: {elapsed:.2f} s")
        self.stdout.write(f"notices per second: {rate:,.0f}")
        self.stdout.write(
            f"chunks: {chunks['n']} of up to {settings_chunk()}; SQL statements per chunk: "
            f"{per_chunk:.1f} (planning {statements['plan']}, other {statements['other']})"
        )
        ok = elapsed <= 5 and rate >= 2000 and sent == total == contacts
        self.stdout.write(("PASS" if ok else "FAIL") + " (target ≤ 5 s and ≥ 2,000 notices/s)")
        if not keep:
            PlannedOutage.objects.filter(pk=outage.pk).delete()


def settings_chunk() -> int:
    return settings.OUTAGE_NOTIFY_CHUNK_SIZE
