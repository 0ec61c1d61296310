"""`manage.py bench_summary`: the one table of a `make bench` run (devtools.bench_results)."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from devtools.bench_results import RESULTS_ENV, read

VERDICT = {True: "PASS", False: "FAIL", None: "—"}


class Command(BaseCommand):
    help = "Print every benchmark's figures against their targets, as one table."

    def add_arguments(self, parser):
        parser.add_argument("--results", default=os.environ.get(RESULTS_ENV, ""))

    def handle(self, *args, results: str, **options):
        if not results:
            raise CommandError(f"Name the results file (--results or {RESULTS_ENV}).")
        rows = read(results)
        self.stdout.write("| benchmark | measure | result | target | |\n|---|---|---:|---|---|")
        for row in rows:
            self.stdout.write(
                f"| {row.benchmark} | {row.measure} | {row.value} | {row.target} "
                f"| {VERDICT[row.passed]} |"
            )
        failed = sum(row.passed is False for row in rows)
        self.stdout.write(f"{len(rows)} figures, {failed} over target.")
