"""Writing the generated register into the database: users, the grid, customers with their
contacts, supply points and managers, and some follow-ups (`manage.py seed_demo` calls `seed`)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts_manager.models import FollowUp, User
from accounts_manager.services import create_user
from common.actors import SYSTEM
from common.roles import Role, role_of
from customers.models import Assignment, Contact, Customer, SupplyPoint
from devtools.demo.customers import (
    DEMO_PASSWORD,
    REGIONS,
    CustomerSpec,
    FeederSpec,
    UserSpec,
    generate_customers,
    generate_followups,
    generate_grid,
    generate_users,
)
from grid.models import Feeder, Region, Substation

# --- writing ---------------------------------------------------------------------------------


def _seed_users(specs: list[UserSpec], regions: dict) -> dict:

    users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in specs])}
    for spec in specs:  # supervisors come before their managers
        if spec.username in users:
            continue
        users[spec.username] = create_user(
            acting_user=SYSTEM,
            username=spec.username,
            password=DEMO_PASSWORD,
            role=spec.role,
            name=spec.name,
            email=f"{spec.username}@example.com",
            employee_no=spec.employee_no,
            phone=spec.phone,
            region=regions.get(spec.region) if spec.region else None,
            supervisor=users.get(spec.supervisor) if spec.supervisor else None,
        )
    return users


def _seed_grid(
    rng: random.Random, regions: dict, *, substations: int, feeders: int
) -> list[FeederSpec]:

    sub_specs, feeder_specs = generate_grid(rng, substations=substations, feeders=feeders)
    existing = set(Substation.objects.values_list("code", flat=True))
    Substation.objects.bulk_create(
        [
            Substation(
                code=s["code"],
                name=s["name"],
                region=regions[s["region"]],
                voltage_kv=s["voltage_kv"],
            )
            for s in sub_specs
            if s["code"] not in existing
        ]
    )
    subs = {s.code: s for s in Substation.objects.filter(code__in=[s["code"] for s in sub_specs])}
    existing = set(Feeder.objects.values_list("code", flat=True))
    Feeder.objects.bulk_create(
        [
            Feeder(
                code=f["code"],
                name=f["name"],
                substation=subs[f["substation"]],
                region=regions[f["region"]],
            )
            for f in feeder_specs
            if f["code"] not in existing
        ]
    )
    return feeder_specs


def _seed_customers(specs: list[CustomerSpec], regions: dict, users: dict, rng: random.Random):

    existing = set(
        Customer.objects.filter(account_no__in=[s.fields["account_no"] for s in specs]).values_list(
            "account_no", flat=True
        )
    )
    new = [s for s in specs if s.fields["account_no"] not in existing]
    if not new:
        return []
    customers = []
    for spec in new:
        customer = Customer(region=regions[spec.region], **spec.fields)
        customer.full_clean()
        customers.append(customer)
    admin = users.get("admin")
    created = bulk_create_with_history(
        customers, Customer, default_user=admin, default_change_reason="demo data"
    )
    if created and created[0].pk is None:  # backends that do not return ids
        created = list(Customer.objects.filter(account_no__in=[c.account_no for c in customers]))
    by_account = {c.account_no: c for c in created}
    feeders = {f.code: f for f in Feeder.objects.all()}
    SupplyPoint.objects.bulk_create(
        [
            SupplyPoint(
                customer=by_account[s.fields["account_no"]],
                feeder=feeders[code],
                is_primary=primary,
            )
            for s in new
            for code, primary in s.supply
        ]
    )
    bulk_create_with_history(
        [
            Contact(customer=by_account[s.fields["account_no"]], **c)
            for s in new
            for c in s.contacts
        ],
        Contact,
        default_user=admin,
        default_change_reason="demo data",
    )
    managers: dict[str, list] = {}
    for user in sorted(users.values(), key=lambda u: u.username):
        if role_of(user) == Role.ACCOUNT_MANAGER and user.region_id:
            code = next(c for c, r in regions.items() if r.pk == user.region_id)
            managers.setdefault(code, []).append(user)
    today = timezone.localdate()
    Assignment.objects.bulk_create(
        [
            Assignment(
                customer=by_account[s.fields["account_no"]],
                manager=rng.choice(managers[s.region]),
                start=today - dt.timedelta(days=rng.randint(30, 900)),
                reason="初始分配",
                created_by=admin,
            )
            for s in new
            if s.fields["status"] == "active" and managers.get(s.region)
        ]
    )
    return [s.fields["account_no"] for s in new]


def _office_hour(today: dt.date, days: int, hour: int) -> dt.datetime:
    day = today + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _seed_followups(new_accounts: list[str], rng: random.Random, count: int) -> int:

    if not new_accounts:
        return 0
    managers = dict(
        Assignment.objects.open()
        .filter(customer__account_no__in=new_accounts)
        .values_list("customer__account_no", "manager_id")
    )
    customer_ids = dict(
        Assignment.objects.open()
        .filter(customer__account_no__in=new_accounts)
        .values_list("customer__account_no", "customer_id")
    )
    today = timezone.localdate()
    specs = generate_followups(rng, customers=sorted(managers), count=count)
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                customer_id=customer_ids[f["account_no"]],
                manager_id=managers[f["account_no"]],
                kind=f["kind"],
                summary=f["summary"],
                source=f["source"],
                due_at=_office_hour(today, f["due_in_days"], f["due_hour"]),
            )
            for f in specs
        ]
    )
    return len(specs)


@transaction.atomic
def seed(
    rng: random.Random,
    stdout=None,
    *,
    customers: int = 400,
    managers: int = 8,
    substations: int = 12,
    feeders: int = 60,
    followups: int = 80,
) -> dict:
    """Write the demo register; what already exists (by username, code, account number) is
    left alone. Returns how many rows of each kind were added."""

    for spec in REGIONS:
        Region.objects.get_or_create(code=spec["code"], defaults={"name": spec["name"]})
    regions = {r.code: r for r in Region.objects.filter(code__in=[s["code"] for s in REGIONS])}
    # Each part draws from its own stream so that changing one count leaves the rest alike.
    user_rng, grid_rng, customer_rng, work_rng = (random.Random(rng.random()) for _ in range(4))
    users = _seed_users(generate_users(user_rng, managers=managers), regions)
    feeder_specs = _seed_grid(grid_rng, regions, substations=substations, feeders=feeders)
    specs = generate_customers(customer_rng, count=customers, feeders=feeder_specs)
    new_accounts = _seed_customers(specs, regions, users, work_rng)
    added = {
        "customers": len(new_accounts),
        "followups": _seed_followups(new_accounts, work_rng, followups),
    }
    if stdout is not None:
        stdout.write(
            f"customers: {added['customers']} new customers, "
            f"{added['followups']} follow-ups ({len(specs)} in the demo register)"
        )
    return added
