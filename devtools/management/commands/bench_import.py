"""`manage.py bench_import`: a month of bills of every customer, imported (issue 13).

On a database filled by `seed_bench` it builds one bill for every customer for the month after
the latest billed one, then times:

- api: the rows through `POST /api/v1/bills/import/` in chunks (--chunk, 10,000 by default),
  in this process with DRF's test client, authenticated as an administrator (the request's
  JSON is built before the clock starts; parsing it is timed);
- upload: the same rows as one CSV file through the upload's service and tasks
  (`import_batches.start_import`, then `commit_import`): the file is read and checked, then
  written. With CELERY_TASK_ALWAYS_EAGER the tasks run in this process; otherwise it waits for
  a worker.

After each run the month is deleted again (its allocations first, if any), and so are the
batch and the user it created: the database is left as it was. It refuses a database whose
name does not contain "bench" unless --force is given. Target: each ≤ 60 s for 200,000 rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import time
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Max
from django.test.utils import override_settings
from rest_framework.test import APIClient

from accounts_manager.models import User
from accounts_manager.services import create_user
from billing import import_batches
from billing.bill_import import BILL_FIELDS
from billing.models import Bill, ImportBatch
from common.actors import SYSTEM
from common.models import OutboxTask
from common.moments import period_label, shift_months
from customers.models import Customer
from devtools.bench_results import record
from risk.models import RiskRescoreRequest
from risk.tasks import rescore_pending

TARGET_SECONDS = 60.0
USERNAME = "bench_import"
TASKS = ["billing.tasks.check_import_batch", "billing.tasks.commit_import_batch"]


class Command(BaseCommand):
    help = "Time importing a month of bills of every customer (API in chunks, CSV upload)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=10_000, help="Bills per API request.")
        parser.add_argument("--limit", type=int, default=0, help="Only the first N customers.")
        parser.add_argument("--only", choices=["api", "upload"], help="Run one of the two.")
        parser.add_argument("--force", action="store_true", help="Run on any database.")

    def handle(self, *args, chunk: int, limit: int, only: str | None, force: bool, **options):
        name = connection.settings_dict["NAME"]
        if "bench" not in str(name) and not force:
            raise CommandError(f"{name} is not a bench database (use --force).")
        latest = Bill.objects.aggregate(m=Max("period"))["m"]
        if latest is None:
            raise CommandError("No bills: run seed_bench first.")
        period = shift_months(latest, 1)
        rows = self._rows(period, limit)
        self.stdout.write(
            f"{len(rows):,} bills for {period_label(period)} · {platform.node()}, "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} · database {name}"
        )
        user, created_user = self._user()
        # The rescoring the import asks for (risk.rescoring) is queued, not run: a worker does
        # it, after the request (bench_rescore measures it). Under this bench's eager Celery it
        # would otherwise run inside the import.
        queued = mock.patch.object(rescore_pending, "apply_async")
        queued.start()
        try:
            if only in (None, "api"):
                cpu = time.process_time()
                seconds = self._api(rows, user, chunk)
                how = f"{chunk:,}/request, {time.process_time() - cpu:.1f} s CPU in this process"
                self._report("api", len(rows), seconds, how)
                self._remove(period)
            if only in (None, "upload"):
                cpu = time.process_time()
                seconds = self._upload(rows, user)
                how = f"CSV, task path, {time.process_time() - cpu:.1f} s CPU in this process"
                self._report("upload", len(rows), seconds, how)
                self._remove(period)
        finally:
            queued.stop()
            RiskRescoreRequest.objects.all().delete()
            self._remove(period)
            batches = ImportBatch.objects.filter(uploaded_by=user)
            for batch_id in batches.values_list("pk", flat=True):
                OutboxTask.objects.filter(task__in=TASKS, args=[batch_id]).delete()
            batches.delete()
            if created_user:
                user.delete()

    def _rows(self, period, limit: int) -> list[dict]:
        issue = shift_months(period, 1).replace(day=5)
        due = issue.replace(day=25)
        customers = Customer.objects.order_by("pk").values_list("pk", "account_no")
        if limit:
            customers = customers[:limit]
        rows = []
        for pk, account_no in customers:
            peak, flat, valley = 300 + pk % 700, 500 + pk % 300, 200 + pk % 100
            energy_charge = f"{(peak * 1.1 + flat * 0.7 + valley * 0.35):.2f}"
            basic = f"{(pk % 50) * 20}.00"
            rows.append(
                {
                    "account_no": account_no,
                    "period": period_label(period),
                    "issue_date": issue.isoformat(),
                    "due_date": due.isoformat(),
                    "energy_kwh": str(peak + flat + valley),
                    "peak_kwh": str(peak),
                    "flat_kwh": str(flat),
                    "valley_kwh": str(valley),
                    "basic_charge": basic,
                    "energy_charge": energy_charge,
                    "power_factor_adjustment": "0.00",
                    "other_charges": "0.00",
                }
            )
        return rows

    def _user(self) -> tuple[User, bool]:
        existing = User.objects.filter(username=USERNAME).first()
        if existing:
            return existing, False
        return create_user(username=USERNAME, password=None, role="admin", acting_user=SYSTEM), True

    def _api(self, rows: list[dict], user: User, chunk: int) -> float:
        client = APIClient()
        client.force_authenticate(user)
        bodies = [json.dumps(rows[i : i + chunk]) for i in range(0, len(rows), chunk)]
        started = time.monotonic()
        for body in bodies:
            answer = client.post(
                "/api/v1/bills/import/", data=body, content_type="application/json"
            )
            if answer.status_code != 200:
                raise CommandError(f"import refused: {answer.content[:500]!r}")
        return time.monotonic() - started

    def _upload(self, rows: list[dict], user: User) -> float:
        columns = ["account_no", "period", *(f for f in BILL_FIELDS if f in rows[0])]
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        upload = SimpleUploadedFile("bench_import.csv", text.getvalue().encode())
        started = time.monotonic()
        with override_settings(BILLING_IMPORT_INLINE_BYTES=0):
            batch = import_batches.start_import("bills", upload, acting_user=user)
            batch = self._wait(batch)
            checked = time.monotonic() - started
            if batch.status != "previewed" or batch.errors:
                problems = f"{batch.status} {batch.failure} {batch.errors[:3]}"
                raise CommandError(f"check failed: {problems}")
            batch = import_batches.commit_import(batch, partial=False, acting_user=user)
            batch = self._wait(batch)
        elapsed = time.monotonic() - started
        if batch.status != "committed":
            raise CommandError(f"import failed: {batch.status} {batch.failure}")
        written = elapsed - checked
        self.stdout.write(f"  upload: read and checked {checked:.1f} s, written {written:.1f} s")
        return elapsed

    def _wait(self, batch: ImportBatch) -> ImportBatch:
        """The batch once no task works on it (at once under CELERY_TASK_ALWAYS_EAGER)."""
        while True:
            batch.refresh_from_db()
            if not batch.is_active:
                return batch
            time.sleep(0.2)

    def _report(self, label: str, count: int, seconds: float, how: str) -> None:
        rate = count / seconds if seconds else 0.0
        passed = seconds <= TARGET_SECONDS * count / 200_000
        verdict = "PASS" if passed else "FAIL"
        record(
            "bill import",
            f"{label}: {count:,} rows",
            f"{seconds:.1f} s ({rate:,.0f} rows/s)",
            f"≤ {TARGET_SECONDS:.0f} s for 200,000",
            passed,
        )
        self.stdout.write(
            f"{label:>6}: {count:,} rows in {seconds:.1f} s ({how}), {rate:,.0f} rows/s — "
            f"{verdict} (target ≤ {TARGET_SECONDS:.0f} s for 200,000 rows); "
            f"load {os.getloadavg()[0]:.1f}"
        )

    def _remove(self, period) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM billing_paymentallocation a USING billing_bill b "
                "WHERE a.bill_id = b.id AND b.period = %s",
                [period],
            )
            cursor.execute("DELETE FROM billing_bill WHERE period = %s", [period])
