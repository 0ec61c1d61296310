"""`manage.py seed_demo`: load the demo data once (used by `make run`; running it again adds
nothing). The customer register comes first, then each part's `<part>.demo_data.seed(rng,
stdout)` when that part has one, each in its own transaction (unless the module sets
`ATOMIC = False`: the arrears-risk scan commits as it goes, on several connections)."""

import importlib
import random

from django.core.management.base import BaseCommand
from django.db import transaction

from customers import demo_data

PART_MODULES = (
    "billing.demo_data",
    "outages.demo_data",
    "complaints.demo_data",
    "accounts_manager.demo_data",
    # Last: scores the customers on the bills, payments and promises seeded above.
    "billing.risk_demo_data",
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
        demo_data.seed(random.Random(seed), self.stdout, customers=customers)
        for name in PART_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise  # the module exists but something it imports is missing
                continue
            # Each part gets its own stream, so its data does not depend on the others'.
            rng = random.Random(f"{seed}:{name}")
            if getattr(module, "ATOMIC", True):
                with transaction.atomic():
                    module.seed(rng, self.stdout)
            else:
                module.seed(rng, self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
