"""Benchmark of a notice batch: an outage over feeders serving N contacts (default 10,000).

Measures the time from `notify` to every notice recorded and handed to the no-op channel,
notices per second, and SQL statements per chunk. The batch runs in this process exactly as
a worker runs it (Celery in eager mode), with OUTAGE_CHANNEL_SENDERS pointing at the no-op
sender. The bench customers (region BENCH) are built once and reused; each run makes a new
outage and deletes it afterwards unless --keep is given. PostgreSQL is the target database.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from decimal import Decimal

from celery import current_app as app
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts_manager.models import User
from accounts_manager.services import create_user
from common.actors import SYSTEM
from customers.models import Contact, Customer, SupplyPoint
from grid.models import Feeder, Region, Substation
from outages import notices, services
from outages.models import Notification, PlannedOutage

FEEDERS = 10
CONTACTS_PER_CUSTOMER = 2
NOOP = "outages.channels.noop.NoopSender"


class Command(BaseCommand):
    help = "Time a notice batch of an outage over feeders serving N contacts (no-op channel)."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=10_000)
        parser.add_argument("--keep", action="store_true", help="Keep the bench outage.")

    def _supervisor(self):

        existing = User.objects.filter(username="bench_supervisor").first()
        return existing or create_user(
            username="bench_supervisor", password=None, role="supervisor", acting_user=SYSTEM
        )

    def handle(self, *args, contacts: int, keep: bool, **options):
        feeders = self._build(contacts)
        start = timezone.now() + dt.timedelta(days=10)
        outage = services.create_outage(
            acting_user=SYSTEM,
            kind="planned",
            reason="性能测试",
            feeders=feeders,
            start=start,
            end=start + dt.timedelta(hours=4),
            area="BENCH",
        )
        services.submit_outage(outage, acting_user=SYSTEM)
        # Approval is a supervisor's decision alone, even for a bench outage.
        services.approve_outage(outage, acting_user=self._supervisor())
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

    @transaction.atomic
    def _build(self, contacts: int) -> list[Feeder]:
        region, _ = Region.objects.get_or_create(code="BENCH", defaults={"name": "性能测试区"})
        substation, _ = Substation.objects.get_or_create(
            code="BENCH-SS", defaults={"name": "性能测试变", "region": region}
        )
        feeders = [
            Feeder.objects.get_or_create(
                code=f"BENCH-F{i:02d}",
                defaults={"name": f"10kV测试{i}线", "substation": substation, "region": region},
            )[0]
            for i in range(1, FEEDERS + 1)
        ]
        have = Contact.objects.filter(customer__region=region, receives_outage_notices=True).count()
        if have >= contacts:
            return feeders
        customers_needed = -(-(contacts - have) // CONTACTS_PER_CUSTOMER)
        offset = Customer.objects.filter(region=region).count()
        new = Customer.objects.bulk_create(
            [
                Customer(
                    account_no=f"BENCH{offset + i:08d}",
                    name=f"性能测试客户{offset + i}",
                    credit_code=f"91BENCH{offset + i:011d}"[:18],
                    segment="industrial",
                    importance="normal",
                    voltage_kv=Decimal("10"),
                    contract_capacity_kva=Decimal("1000"),
                    tariff="two_part",
                    region=region,
                )
                for i in range(customers_needed)
            ],
            batch_size=1000,
        )
        SupplyPoint.objects.bulk_create(
            [
                SupplyPoint(customer=c, feeder=feeders[i % FEEDERS], is_primary=True)
                for i, c in enumerate(new)
            ],
            batch_size=1000,
        )
        Contact.objects.bulk_create(
            [
                Contact(
                    customer=c,
                    name=f"联系人{c.pk}-{j}",
                    role="electrical",
                    mobile=f"+86139{(c.pk * CONTACTS_PER_CUSTOMER + j) % 10**8:08d}",
                    preferred_channel="sms",
                )
                for c in new
                for j in range(CONTACTS_PER_CUSTOMER)
            ][: contacts - have],
            batch_size=1000,
        )
        return feeders


def settings_chunk() -> int:
    return settings.OUTAGE_NOTIFY_CHUNK_SIZE
