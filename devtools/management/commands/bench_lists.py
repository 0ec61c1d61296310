"""`manage.py bench_lists`: every list of the API and every list page, timed at bench size.

On a database filled by `seed_bench` (and `bench_dashboard --prepare`), each case is requested
through Django's test client (routing, middleware, authentication, filtering, serialisation and
templates included) `--runs` times after one warm-up request, as the user who would ask:

- every list endpoint of the API as an integration client (who sees every customer): the first
  page, a deep page (`?page=2000`, or the last page when there are fewer), each ordering the
  endpoint offers in both directions, and each filter it offers with a value taken from a real
  row (`bench_cases.api_cases`);
- every list page, as the role it is for (`bench_cases.page_cases`);
- the customer 360 page and its API, and the dashboard (page and API, all regions and one).

It prints one table — p50, p95, SQL statements (the most of any run), the target and a verdict
per line — and the number of lines over target. Targets (issue 13): lists p95 ≤ 50 ms, a
customer ≤ 100 ms, the dashboard p95 ≤ 150 ms.

PostgreSQL only: it refuses a database whose name does not contain "bench" unless --force.
"""

from __future__ import annotations

import re
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from devtools.bench_cases import LIST_TARGET_MS, Case, api_cases, page_cases
from devtools.bench_results import percentile, record

# A case whose warm-up takes longer than this is measured with fewer runs.
SLOW_SECONDS = 1.0


class Command(BaseCommand):
    help = "Time every API list and list page (first and deep pages, filters, orderings)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=15, help="Warm requests per case.")
        parser.add_argument("--only", default="", help="A regular expression over the labels.")
        parser.add_argument(
            "--force", action="store_true", help="Allow a database not named like 'bench'."
        )

    def handle(self, *args, runs: int, only: str, force: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_lists measures PostgreSQL only.")
        if "bench" not in connection.settings_dict["NAME"] and not force:
            raise CommandError("This database's name has no 'bench' in it: use --force.")
        cases = [*api_cases(), *page_cases()]
        if only:
            pattern = re.compile(only)
            cases = [case for case in cases if pattern.search(case.label)]
        clients: dict[int, Client] = {}
        over = 0
        lists: list[tuple[Case, float, bool]] = []
        self.stdout.write(
            "| case | p50 ms | p95 ms | SQL | target | |\n|---|---:|---:|---:|---:|---|"
        )
        for case in cases:
            client = clients.get(case.user.pk)
            if client is None:
                client = clients[case.user.pk] = Client()
                client.force_login(case.user)
            line, p95, passed = self._measure(client, case, runs)
            over += not passed
            self.stdout.write(line)
            if case.target_ms == LIST_TARGET_MS:
                lists.append((case, p95, passed))
            else:
                record(
                    "lists", case.label, f"p95 {p95:.0f} ms", f"≤ {case.target_ms:.0f} ms", passed
                )
        self.stdout.write(f"{len(cases)} cases, {over} over target.")
        if lists:
            worst = max(lists, key=lambda row: row[1])
            record(
                "lists",
                f"{len(lists)} API lists and list pages (first, deep, filters, orderings)",
                f"{sum(passed for *_, passed in lists)} within target; worst "
                f"{worst[0].label}: p95 {worst[1]:.0f} ms",
                f"p95 ≤ {LIST_TARGET_MS:.0f} ms each",
                all(passed for *_, passed in lists),
            )

    def _measure(self, client: Client, case: Case, runs: int) -> tuple[str, float, bool]:
        started = time.monotonic()
        answer = client.get(case.url)
        if time.monotonic() - started > SLOW_SECONDS:
            runs = 1
        durations, statements = [], 0
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.monotonic()
                answer = client.get(case.url)
                durations.append((time.monotonic() - started) * 1000)
            statements = max(statements, len(queries.captured_queries))
        p50, p95 = percentile(durations, 0.5), percentile(durations, 0.95)
        passed = answer.status_code == 200 and p95 <= case.target_ms
        status = "PASS" if passed else f"FAIL ({answer.status_code})"
        return (
            f"| {case.label} | {p50:.1f} | {p95:.1f} | {statements} | ≤ {case.target_ms:.0f} "
            f"| {status} |",
            p95,
            passed,
        )
