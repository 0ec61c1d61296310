"""`manage.py seed_connection_bench`: connection projects at bench size (default 50,000).

On a database filled by `seed_bench` (its regions, managers and customers), writes projects in
every state with their steps and checklists by `bulk_create` in batches, deterministically (a
seeded random stream): about 55 % energized over the last year, 5 % cancelled, 32 % open at
some step, 8 % waiting for the customer; a third of them for a customer of the manager's
portfolio, the rest applicants. `bench_lists` then times the project list (API and page) and
the weekly review page (devtools.bench_cases).

PostgreSQL only; it refuses a database whose name does not contain "bench" unless --force.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts_manager.models import User
from common.roles import Role
from connections import clock
from connections.documents import required_documents
from connections.models import (
    DocumentItem,
    Kind,
    Project,
    ProjectStep,
    Scheme,
    Status,
    StepStatus,
    new_token,
    steps_of,
)
from customers.models import Assignment

BATCH = 2000
KINDS = [Kind.NEW] * 5 + [Kind.INCREASE] * 3 + [Kind.TEMPORARY, Kind.DECREASE]
SCHEMES = [Scheme.LV] * 5 + [Scheme.HV_SINGLE] * 4 + [Scheme.HV_DUAL]


class Command(BaseCommand):
    help = "Write bench-size connection projects (after seed_bench)."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=50_000)
        parser.add_argument("--seed", type=int, default=14)
        parser.add_argument(
            "--if-missing", action="store_true", help="Do nothing when projects exist."
        )
        parser.add_argument(
            "--force", action="store_true", help="Allow a database not named like 'bench'."
        )

    def handle(self, *args, projects: int, seed: int, if_missing: bool, force: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_connection_bench needs PostgreSQL.")
        if "bench" not in connection.settings_dict["NAME"] and not force:
            raise CommandError("This database's name has no 'bench' in it: use --force.")
        if Project.objects.exists():
            if if_missing:
                self.stdout.write("Connection projects already there; nothing to do.")
                return
            raise CommandError("The database already has connection projects.")
        managers = list(
            User.objects.filter(groups__name=Role.ACCOUNT_MANAGER, is_active=True)
            .exclude(region=None)
            .order_by("pk")
        )
        if not managers:
            raise CommandError("No account managers with a region: run seed_bench first.")
        portfolios = self._portfolios(managers)
        rng = random.Random(seed)
        started = time.monotonic()
        now = timezone.now()
        written = 0
        while written < projects:
            size = min(BATCH, projects - written)
            with transaction.atomic():
                self._batch(rng, written, size, managers, portfolios, now)
            written += size
        # Fresh statistics: planned on the empty tables' estimates, the lists join the steps
        # by reading all of them.
        with connection.cursor() as cursor:
            for model in (Project, ProjectStep, DocumentItem):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        self.stdout.write(f"{written:,} connection projects in {time.monotonic() - started:.1f} s.")

    def _portfolios(self, managers) -> dict[int, list[int]]:
        portfolios: dict[int, list[int]] = {m.pk: [] for m in managers}
        rows = Assignment.objects.filter(end__isnull=True, manager__in=managers).values_list(
            "manager_id", "customer_id"
        )
        for manager_id, customer_id in rows.iterator(chunk_size=10_000):
            if len(portfolios[manager_id]) < 50:
                portfolios[manager_id].append(customer_id)
        return portfolios

    def _batch(self, rng, offset, size, managers, portfolios, now) -> None:
        projects, plans = [], []
        for n in range(offset, offset + size):
            project, plan = self._project(rng, n, managers, portfolios, now)
            projects.append(project)
            plans.append(plan)
        Project.objects.bulk_create(projects)
        steps: list[ProjectStep] = []
        documents: list[DocumentItem] = []
        for project, plan in zip(projects, plans, strict=True):
            steps.extend(self._steps(project, plan))
            documents.extend(
                DocumentItem(
                    project=project,
                    code=code,
                    position=i,
                    received_at=project.accepted_at if rng.random() < 0.7 else None,
                )
                for i, code in enumerate(required_documents(project.kind))
            )
        ProjectStep.objects.bulk_create(steps)
        DocumentItem.objects.bulk_create(documents)

    def _project(self, rng, n, managers, portfolios, now) -> tuple[Project, dict]:
        manager = managers[n % len(managers)]
        kind = rng.choice(KINDS)
        customers = portfolios.get(manager.pk) or []
        customer_id = rng.choice(customers) if customers and kind != Kind.NEW else None
        if customer_id is None and kind in (Kind.INCREASE, Kind.DECREASE):
            kind = Kind.NEW
        scheme = rng.choice(SCHEMES)
        draw = rng.random()
        status = (
            Status.ENERGIZED
            if draw < 0.55
            else Status.CANCELLED
            if draw < 0.60
            else Status.WAITING_CUSTOMER
            if draw < 0.68
            else Status.OPEN
        )
        accepted = now - dt.timedelta(days=rng.randint(3, 365), hours=rng.randint(0, 8))
        codes = steps_of(scheme)
        done = len(codes) - 1 if status == Status.ENERGIZED else rng.randint(0, len(codes) - 2)
        limit = clock.commitment_for(scheme)
        used = rng.randint(max(1, limit // 3), limit + 6)
        project = Project(
            number=f"BK{n + 1:08d}",
            kind=kind,
            customer_id=customer_id,
            applicant_name=f"业扩申请单位{n + 1}",
            region_id=manager.region_id,
            voltage_kv=Decimal("0.4") if scheme == Scheme.LV else Decimal("10"),
            supply_scheme=scheme,
            requested_capacity_kva=Decimal(rng.choice([160, 400, 630, 1250, 2000, 5000])),
            manager=manager,
            status=status,
            current_step=codes[min(done + 1, len(codes) - 1)],
            accepted_at=accepted,
            limit_working_days=limit,
            closed_working_days=used if status in (Status.ENERGIZED, Status.CANCELLED) else 0,
            utility_working_days_final=used
            if status in (Status.ENERGIZED, Status.CANCELLED)
            else None,
            breached=used > limit,
            waiting_since=now - dt.timedelta(days=2) if status == Status.WAITING_CUSTOMER else None,
            due_on=(accepted + dt.timedelta(days=limit + limit // 2)).date()
            if status in (Status.OPEN, Status.WAITING_CUSTOMER)
            else None,
            energized_at=accepted + dt.timedelta(days=used + used // 2)
            if status == Status.ENERGIZED
            else None,
            progress_token=new_token(),
        )
        return project, {"codes": codes, "done": done, "status": status}

    def _steps(self, project: Project, plan: dict) -> list[ProjectStep]:
        rows = []
        live = plan["status"] in (Status.OPEN, Status.WAITING_CUSTOMER)
        for position, code in enumerate(plan["codes"]):
            limits = clock.limits_for(project.kind, project.supply_scheme, code)
            finished = position <= plan["done"]
            current = position == plan["done"] + 1
            status = (
                StepStatus.DONE
                if finished
                else (
                    StepStatus.WAITING
                    if plan["status"] == Status.WAITING_CUSTOMER
                    else StepStatus.IN_PROGRESS
                )
                if current and live
                else StepStatus.PENDING
            )
            started = project.accepted_at if finished or (current and live) else None
            rows.append(
                ProjectStep(
                    project=project,
                    step=code,
                    position=position,
                    status=status,
                    limit_working_days=limits.limit,
                    regulator_working_days=limits.regulator,
                    started_at=started,
                    run_started_at=started,
                    finished_at=project.accepted_at if finished else None,
                    working_days=0 if finished else None,
                    due_on=project.due_on if current and live else None,
                )
            )
        return rows
