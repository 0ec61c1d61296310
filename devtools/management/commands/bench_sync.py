"""`manage.py bench_sync`: an integration client's delta sync of payments through the API
(keyset pages, `?cursor=`), in this process, on the data of `seed_bench`.

Reports the rows per second, the SQL statements per page and the pages' p50/p95. Target (issue
13): at least 20,000 rows per second, statements per page independent of the page.
"""

from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts_manager.models import User
from accounts_manager.services import create_user
from common.actors import SYSTEM
from devtools.bench_results import record

TARGET_ROWS_PER_SECOND = 20_000


class Command(BaseCommand):
    help = "Time a delta sync of payments through the API (keyset pages)."

    def add_arguments(self, parser):
        parser.add_argument("--path", default="payments", help="The list to sync.")
        parser.add_argument("--rows", type=int, default=200_000, help="Stop after this many.")
        parser.add_argument("--page-size", type=int, default=500)

    def handle(self, *args, path: str, rows: int, page_size: int, **options):
        client = APIClient()
        client.force_authenticate(self._client_user())
        url = f"/api/v1/{path}/?cursor=&page_size={page_size}"
        seen, durations, statements = 0, [], []
        started = time.monotonic()
        while url and seen < rows:
            with CaptureQueriesContext(connection) as queries:
                page_started = time.monotonic()
                answer = client.get(url)
                durations.append(time.monotonic() - page_started)
            assert answer.status_code == 200, answer.content[:500]
            body = answer.json()
            seen += len(body["results"])
            statements.append(len(queries.captured_queries))
            url = body["next"]
        elapsed = time.monotonic() - started
        rate = seen / elapsed if elapsed else 0.0
        durations.sort()
        p95 = durations[max(0, int(len(durations) * 0.95) - 1)]
        self.stdout.write(
            f"{path}: {seen:,} rows in {len(durations)} pages of {page_size}, {elapsed:.1f} s, "
            f"{rate:,.0f} rows/s; page p50 {statistics.median(durations) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms; statements per page {min(statements)}–{max(statements)}"
        )
        verdict = "PASS" if rate >= TARGET_ROWS_PER_SECOND else "FAIL"
        record(
            "delta sync",
            f"{path}, keyset pages of {page_size}",
            f"{rate:,.0f} rows/s",
            f"≥ {TARGET_ROWS_PER_SECOND:,} rows/s",
            rate >= TARGET_ROWS_PER_SECOND,
        )
        self.stdout.write(f"{verdict} (target ≥ {TARGET_ROWS_PER_SECOND:,} rows/s)")

    def _client_user(self) -> User:
        existing = User.objects.filter(username="bench_sync").first()
        return existing or create_user(
            username="bench_sync", password=None, role="integration", acting_user=SYSTEM
        )
