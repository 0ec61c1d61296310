"""`manage.py seed_demo`: load the demo data once (used by `make run`; running it again adds
nothing). The customer register comes first, then each part's `devtools.demo.<part>.seed(rng,
stdout)`, each in its own transaction (unless the module sets `ATOMIC = False`: the
arrears-risk scan commits as it goes, on several connections)."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from devtools.demo import billing, complaints, outages, risk
from devtools.demo import customers as demo_data

PART_MODULES = (
    billing,
    outages,
    complaints,
    # Last: scores the customers on the bills, payments and promises seeded above.
    risk,
)
OLD_NAMES = {
    "devtools.demo.billing": "billing.demo_data",
    "devtools.demo.outages": "outages.demo_data",
    "devtools.demo.complaints": "complaints.demo_data",
    "devtools.demo.risk": "billing.risk_demo_data",
}
DEFAULT_SEED = 20260301


class Command(BaseCommand):
    help = "Load the demo data (idempotent: what exists is left alone)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="Random seed; the same seed always gives the same data.",
        )
        parser.add_argument(
            "--customers",
            type=int,
            default=400,
            help="How many customers the register should hold.",
        )

    def handle(self, *args, seed: int, customers: int, **options):
        demo_data.seed(random.Random(seed), self.stdout, customers=customers)
        for module in PART_MODULES:
            # Each part gets its own stream, so its data does not depend on the others'. (The
            # stream's name is the module's name before the demo data moved to devtools, so
            # the same seed still gives the same data.)
            rng = random.Random(f"{seed}:{OLD_NAMES[module.__name__]}")
            if getattr(module, "ATOMIC", True):
                with transaction.atomic():
                    module.seed(rng, self.stdout)
            else:
                module.seed(rng, self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
