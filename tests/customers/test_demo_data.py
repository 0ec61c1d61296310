"""`manage.py seed_demo` and the reusable generators behind it."""

import io
import random
import types
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count

from accounts_manager.models import FollowUp, User
from common.roles import Role, role_of
from customers.models import Assignment, Contact, Customer, Importance, Segment, SupplyPoint
from customers.validators import credit_code_problem, normalize_mobile
from devtools.demo import customers as demo_data
from devtools.management.commands import seed_demo
from grid.models import Feeder, Region, Substation


def table_counts() -> dict:
    return {
        "regions": Region.objects.count(),
        "substations": Substation.objects.count(),
        "feeders": Feeder.objects.count(),
        "customers": Customer.objects.count(),
        "customer history": Customer.history.count(),
        "contacts": Contact.objects.count(),
        "supply points": SupplyPoint.objects.count(),
        "users": User.objects.count(),
        "assignments": Assignment.objects.count(),
        "followups": FollowUp.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_loads_the_demo_register_once():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    counts = table_counts()
    assert (counts["regions"], counts["substations"], counts["feeders"]) == (3, 12, 60)
    # Besides the register's 400, the applicants the demo connection projects energized.
    assert Customer.objects.exclude(account_no__startswith="YK").count() == 400
    assert counts["followups"] > 0
    assert "Demo data ready" in out.getvalue()

    # running it again changes nothing
    call_command("seed_demo", stdout=io.StringIO())
    assert table_counts() == counts


@pytest.mark.django_db
def test_demo_users_log_in_with_the_printed_password_and_hold_their_roles():
    call_command("seed_demo", stdout=io.StringIO(), customers=40)
    expected = {
        "admin": Role.ADMIN,
        "sup_east": Role.SUPERVISOR,
        "sup_all": Role.SUPERVISOR,
        "auditor": Role.AUDITOR,
        "billing_api": Role.INTEGRATION,
        **{f"mgr{i:02d}": Role.ACCOUNT_MANAGER for i in range(1, 9)},
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password(demo_data.DEMO_PASSWORD), username
        assert role_of(user) == role, username
    assert User.objects.get(username="sup_east").region.code == "EAST"
    assert User.objects.get(username="sup_all").region is None
    managers = User.objects.filter(username__startswith="mgr")
    assert {m.region.code for m in managers} == {"EAST", "WEST", "SOUTH"}
    assert all(m.supervisor is not None for m in managers)


@pytest.mark.django_db
def test_demo_customers_are_complete_and_valid():
    call_command("seed_demo", stdout=io.StringIO(), customers=120)
    customers = Customer.objects.annotate(
        contacts_n=Count("contacts", distinct=True),
        points_n=Count("supply_points", distinct=True),
    )
    assert {c.segment for c in customers} == set(Segment.values)
    assert {c.importance for c in customers} == set(Importance.values)
    assert all(credit_code_problem(c.credit_code) is None for c in customers)
    assert all(1 <= c.contacts_n <= 4 for c in customers)
    assert any(c.points_n >= 2 for c in customers)  # dual supply
    assert any(c.has_backup_generator for c in customers)
    assert all(c.supply_points.filter(is_primary=True).count() == 1 for c in customers)
    for contact in Contact.objects.all():
        assert normalize_mobile(contact.mobile) == contact.mobile
    # every active customer has a manager of its own region
    active = Customer.objects.filter(status="active")
    assert not Customer.objects.unassigned().exists()
    for assignment in Assignment.objects.open().select_related("customer", "manager"):
        assert assignment.manager.region_id == assignment.customer.region_id
    assert Assignment.objects.open().count() == active.count()
    for customer in Customer.objects.all()[:5]:
        customer.full_clean()


@pytest.mark.django_db
def test_seed_demo_runs_each_parts_seed_after_the_register(monkeypatch):
    calls = []

    def seed(rng, stdout):
        calls.append((isinstance(rng, random.Random), Customer.objects.count()))
        stdout.write("billing demo loaded")

    fake_part = types.ModuleType("devtools.demo.billing")
    fake_part.seed = seed  # type: ignore[attr-defined]
    monkeypatch.setattr(seed_demo, "PART_MODULES", (("billing.demo_data", fake_part),))
    out = io.StringIO()
    call_command("seed_demo", stdout=out, customers=10)
    assert calls == [(True, 10)]
    assert "billing demo loaded" in out.getvalue()


def test_generators_are_deterministic_and_valid():
    first = demo_data.generate_customers(
        random.Random(7), count=30, feeders=demo_data.generate_grid(random.Random(1))[1]
    )
    again = demo_data.generate_customers(
        random.Random(7), count=30, feeders=demo_data.generate_grid(random.Random(1))[1]
    )
    assert [c.fields for c in first] == [c.fields for c in again]
    assert len({c.fields["name"] for c in first}) == 30
    assert len({c.fields["account_no"] for c in first}) == 30
    assert all(sum(primary for _, primary in c.supply) == 1 for c in first)
    rng = random.Random(3)
    codes = [demo_data.make_credit_code(rng, kind="91", division="330102") for _ in range(200)]
    assert all(credit_code_problem(code) is None for code in codes)
    mobiles = [demo_data.make_mobile(rng) for _ in range(200)]
    assert all(m.startswith("+861") and normalize_mobile(m) == m for m in mobiles)


def test_demo_managers_are_spread_over_every_region():
    users = demo_data.generate_users(random.Random(1), managers=8)
    regions = Counter(u.region for u in users if u.role == "account_manager")
    assert set(regions) == {"EAST", "WEST", "SOUTH"}
    assert sum(regions.values()) == 8
