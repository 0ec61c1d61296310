"""`manage.py seed_demo`: load the demo data once (used by `make run`; running it again adds
nothing). The customer register comes first, then each part's `devtools.demo.<part>.seed(rng,
stdout)`, each in its own transaction (unless the module sets `ATOMIC = False`: the
arrears-risk scan commits as it goes, on several connections)."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from devtools.demo import billing, complaints, connections, outages, risk, supply
from devtools.demo import register as demo_data_register

# (name of the part's random stream, module). The streams keep the names they had before the
# demo data moved to devtools, so the same seed still gives the same data.
PART_MODULES = (
    ("billing.demo_data", billing),
    ("outages.demo_data", outages),
    ("complaints.demo_data", complaints),
    ("supply.demo_data", supply),
    ("connections.demo_data", connections),
    # Last: scores the customers on the bills, payments and promises seeded above.
    ("billing.risk_demo_data", risk),
)
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
        demo_data_register.seed(random.Random(seed), self.stdout, customers=customers)
        for stream, module in PART_MODULES:
            # Each part gets its own stream, so its data does not depend on the others'.
            rng = random.Random(f"{seed}:{stream}")
            if getattr(module, "ATOMIC", True):
                with transaction.atomic():
                    module.seed(rng, self.stdout)
            else:
                module.seed(rng, self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
