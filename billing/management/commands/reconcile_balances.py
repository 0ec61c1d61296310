"""`manage.py reconcile_balances`: the nightly balance check, run by hand (also fills the
balances of a database that has none, e.g. after restoring an old dump)."""

from django.core.management.base import BaseCommand

from billing.reconciliation import reconcile_balances
from common.actors import SYSTEM


class Command(BaseCommand):
    help = "Recompute every customer balance from the rows; report and repair any drift."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=5000, help="Customers per transaction.")

    def handle(self, *args, chunk, **options):
        run = reconcile_balances(acting_user=SYSTEM, chunk=chunk)
        self.stdout.write(
            f"{run.customers_checked} customers checked in "
            f"{(run.finished_at - run.started_at).total_seconds():.1f} s; "
            f"{run.drift_count} had drifted (¥{run.drift_total}), repaired."
        )
        for drift in run.drift[:50]:
            self.stdout.write(f"  {drift}")
