"""`manage.py seed_bench`: a large, realistic, deterministic data set for the benchmarks.

PostgreSQL only (it is benchmark-only code). Customers are streamed with COPY; bills,
payments, allocations, promises, collection actions and disconnections are generated inside
the database with INSERT … SELECT over generate_series, drawing every "random" choice from
hashint8() of the row's ids, so the same --customers, --months, --seed and --as-of always give
the same rows. Bills are written month by month (period-major), as the billing system sends
them, so the table's physical order is the one a real database has.

Customer profiles (by a hash of the id): 70 % pay on time, 15 % are sometimes late, 8 % are
chronic late payers with a few unpaid bills, 4 % show a falling consumption and unpaid bills,
3 % are severe debtors (many unpaid bills, partial payments, broken promises, some
disconnected in the last year).
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts_manager.models import ManagerProfile, User
from billing.balances import refresh_balances
from billing.models import (
    Bill,
    CollectionAction,
    Disconnection,
    Payment,
    PaymentAllocation,
    PaymentPromise,
)
from customers.models import Assignment, Contact, Customer
from devtools.bench_sql import CONTACT_VALUES, CONTACTS_FROM, h, local
from grid.models import Region

BENCH_USER_PREFIX = "bench_"
REGIONS = 10
CUSTOMERS_PER_MANAGER = 400
SEGMENTS = (
    ["industrial"] * 5
    + ["commercial"] * 2
    + [
        "government",
        "hospital",
        "school",
        "transport",
        "data_center",
        "other",
    ]
)
IMPORTANCE = ["normal"] * 90 + ["level2"] * 5 + ["level1"] * 3 + ["special", "temporary"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
BULK_TABLES = (Bill, Payment, PaymentAllocation, PaymentPromise, CollectionAction, Disconnection)
# The profile of a customer: the bucket abs(hashint8(id)) % 1000 falls in.
PROFILE_SQL = """CASE
    WHEN (hashint8(c.id)::bigint + 2147483648) %% 1000 < 700 THEN 'good'
    WHEN (hashint8(c.id)::bigint + 2147483648) %% 1000 < 850 THEN 'sometimes'
    WHEN (hashint8(c.id)::bigint + 2147483648) %% 1000 < 930 THEN 'chronic'
    WHEN (hashint8(c.id)::bigint + 2147483648) %% 1000 < 970 THEN 'declining'
    ELSE 'severe' END"""


def credit_code(index: int) -> str:
    from stdnum.cn import uscc

    body = (
        "91"
        + f"{110000 + index % 890000:06d}"
        + "".join(ALPHABET[(index * 7 + i * 13 + index // 31**i) % 31] for i in range(9))
    )
    return body + uscc.calc_check_digit(body)


class Command(BaseCommand):
    help = "Fill a PostgreSQL benchmark database with customers, 24 months of bills and more."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=200_000)
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument("--seed", type=int, default=20260301)
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="The day the data ends (default: today).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the customer register and everything hanging off it first.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Allow a database whose name does not contain 'bench'.",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing when the database already holds this many customers.",
        )

    def handle(self, *args, customers, months, seed, as_of, reset, force, if_missing, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_bench needs PostgreSQL.")
        name = connection.settings_dict["NAME"]
        if "bench" not in name and not force:
            raise CommandError(f"Refusing to fill {name!r}: its name does not contain 'bench'.")
        if customers < 1 or not 1 <= months <= 120:
            raise CommandError("--customers must be positive and --months between 1 and 120.")
        present = Customer.objects.count()
        if if_missing and present == customers + customers // 100:
            if Contact.objects.count() < present:
                # A database seeded before the contacts were part of the bench.
                self._step("contacts", self._contacts)
            self.stdout.write(f"{present:,} customers already there; nothing to do.")
            return
        if present and not reset:
            raise CommandError("The database already has customers; add --reset to replace them.")
        as_of = as_of or timezone.localdate()
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET work_mem = '256MB'")
        if reset:
            self._step("reset", self._reset)
        regions = self._step("regions and managers", self._people, customers)
        self._step("customers (COPY)", self._customers, customers, seed, regions, as_of)
        self._step("assignments", self._assignments, as_of)
        self._step("contacts", self._contacts)
        # One transaction: a failure never leaves the tables without their constraints.
        with transaction.atomic():
            dropped = self._drop_secondary_indexes()
            self._step("bills", self._bills, months, as_of)
            self._step("payments and allocations", self._payments, as_of)
            self._step("promises, actions, disconnections", self._collection, as_of)
            self._step("indexes and constraints", self._recreate_indexes, dropped)
        self._step("customer balances", self._balances, as_of)
        self._step("sequences and statistics", self._finish)
        counts = {m._meta.label: m.objects.count() for m in (Customer, *BULK_TABLES)}
        self.stdout.write(", ".join(f"{label}: {n:,}" for label, n in counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))

    def _step(self, label: str, fn, *args):
        started = time.monotonic()
        with transaction.atomic():
            result = fn(*args)
        self.stdout.write(f"  {label}: {time.monotonic() - started:.1f} s")
        return result

    # --- people and customers ----------------------------------------------------------------

    def _reset(self) -> None:
        tables = [Customer._meta.db_table, Region._meta.db_table]
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        User.objects.filter(username__startswith=BENCH_USER_PREFIX).delete()

    def _people(self, customers: int) -> list[Region]:
        regions = Region.objects.bulk_create(
            [Region(code=f"B{n:02d}", name=f"基准区域{n:02d}") for n in range(REGIONS)]
        )
        groups = {
            name: Group.objects.get_or_create(name=name)[0]
            for name in ("supervisor", "account_manager")
        }
        supervisors = []
        for region in regions:
            user = User.objects.create(
                username=f"{BENCH_USER_PREFIX}sup_{region.code}",
                name=f"{region.name}主管",
                email=f"sup_{region.code.lower()}@bench.example.com",
                region=region,
            )
            user.groups.add(groups["supervisor"])
            supervisors.append(user)
        count = max(REGIONS, customers // CUSTOMERS_PER_MANAGER)
        managers = User.objects.bulk_create(
            [
                User(
                    username=f"{BENCH_USER_PREFIX}mgr_{n:04d}",
                    name=f"客户经理{n:04d}",
                    employee_no=f"B{n:05d}",
                    region=regions[n % REGIONS],
                    supervisor=supervisors[n % REGIONS],
                    password="!",
                )
                for n in range(count)
            ]
        )
        groups["account_manager"].user_set.add(*managers)
        ManagerProfile.objects.bulk_create([ManagerProfile(user=m) for m in managers])
        return regions

    def _customers(self, customers: int, seed: int, regions: list[Region], as_of) -> None:
        rng = random.Random(seed)
        now = timezone.make_aware(dt.datetime.combine(as_of.replace(day=1), dt.time(8)))
        columns = (
            "id, created_at, updated_at, account_no, name, credit_code, credit_code_override, "
            "segment, importance, voltage_kv, contract_capacity_kva, typical_daily_load_kw, "
            "tariff, region_id, status, has_backup_generator, backup_capacity_kw, address"
        )
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3
            with raw.copy(f"COPY {Customer._meta.db_table} ({columns}) FROM STDIN") as copy:
                # `customers` active ones, and one closed customer (with its history) per
                # hundred on top, so that the scan's subsets hold exactly what was asked.
                for n in range(1, customers + customers // 100 + 1):
                    segment = rng.choice(SEGMENTS)
                    importance = rng.choice(IMPORTANCE)
                    capacity = rng.choice([315, 630, 1250, 2000, 4000, 8000, 16000])
                    generator = importance != "normal" and rng.random() < 0.6
                    region = regions[n % REGIONS]
                    copy.write_row(
                        (
                            n,
                            now,
                            now,
                            f"9{n:09d}",
                            f"基准客户{n:06d}有限公司",
                            credit_code(n),
                            "",
                            segment,
                            importance,
                            rng.choice([10, 10, 10, 35, 110]),
                            capacity,
                            round(capacity * rng.uniform(0.3, 0.7), 2),
                            "two_part"
                            if capacity >= 315 and segment == "industrial"
                            else "single_part",
                            region.pk,
                            "closed" if n % 101 == 100 else "active",
                            generator,
                            round(capacity * 0.3, 2) if generator else None,
                            f"{region.name}工业路{n % 500}号",
                        )
                    )

    def _assignments(self, as_of: dt.date) -> None:
        """Each customer to a manager of its region, since a year ago."""
        start = as_of - dt.timedelta(days=365)
        users = User._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
WITH m AS (
    SELECT id, region_id, row_number() OVER (PARTITION BY region_id ORDER BY id) - 1 AS n,
           count(*) OVER (PARTITION BY region_id) AS total
    FROM {users} WHERE username LIKE %(prefix)s
)
INSERT INTO {Assignment._meta.db_table}
    (created_at, updated_at, customer_id, manager_id, start, "end", reason, created_by_id)
SELECT %(start)s::timestamptz, %(start)s::timestamptz, c.id, m.id, %(start)s, NULL, 'bench', NULL
FROM {Customer._meta.db_table} c
JOIN m ON m.region_id = c.region_id AND m.n = (c.id / {REGIONS}) %% m.total""",
                {"start": start, "prefix": f"{BENCH_USER_PREFIX}mgr_%"},
            )

    def _contacts(self) -> None:
        """Two contacts per customer (the register's search reads their names and mobiles)."""
        self._insert(Contact, CONTACT_VALUES, CONTACTS_FROM, {})

    # --- billing -----------------------------------------------------------------------------

    def _drop_secondary_indexes(self) -> list[str]:
        """Drop the indexes, unique and foreign-key constraints of the bulk tables (primary keys
        stay): building them once after the load is much faster than keeping them up to date
        row by row. Returns the statements that put them back, in order."""
        tables = [m._meta.db_table for m in BULK_TABLES]
        with connection.cursor() as cursor:
            cursor.execute(
                """
SELECT t.relname, c.conname, c.contype, pg_get_constraintdef(c.oid)
FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
WHERE t.relname = ANY(%s) AND c.contype IN ('u', 'f')
ORDER BY c.contype DESC, c.conname""",
                [tables],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relname = ANY(%s) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _kind, _definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        # Unique constraints ('u') sort before foreign keys ('f') above: add them back first.
        return [definition for _name, definition in indexes] + [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for table, name, _kind, definition in constraints
        ]

    def _recreate_indexes(self, statements: list[str]) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for statement in statements:
                cursor.execute(statement)

    def _bills(self, months: int, as_of: dt.date) -> None:
        first = as_of.replace(day=1)
        for _ in range(months):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        # The latest period's bill is due on the 25th of this month: not yet past due before.
        not_due = 1 if as_of.day <= 25 else 0
        self._insert(
            Bill,
            BILL_VALUES,
            BILLS_FROM,
            {"first": first, "months": months, "today": as_of, "not_due": not_due},
        )

    def _payments(self, as_of: dt.date) -> None:
        self._insert(Payment, PAYMENT_VALUES, PAYMENTS_FROM, {"today": as_of})
        self._insert(PaymentAllocation, ALLOCATION_VALUES, ALLOCATIONS_FROM, {})

    def _collection(self, as_of: dt.date) -> None:
        params = {"today": as_of}
        self._insert(PaymentPromise, PROMISE_VALUES, PROMISES_FROM, params)
        self._insert(CollectionAction, ACTION_VALUES, ACTIONS_FROM, params)
        self._insert(CollectionAction, NOTICE_VALUES, NOTICES_FROM, params)
        self._insert(Disconnection, DISCONNECTION_VALUES, DISCONNECTIONS_FROM, params)

    def _insert(self, model, values: dict[str, str], source: str, params: dict) -> None:
        """INSERT INTO model's table SELECT `values` FROM `source`; columns not given get
        NULL, or the empty value of their type when they may not be null."""
        columns, expressions = [], []
        for field in model._meta.concrete_fields:
            if field.column in values:
                expression = values[field.column]
            elif field.primary_key:
                continue
            elif field.null:
                expression = "NULL"
            else:
                expression = EMPTY.get(field.get_internal_type(), "''")
            columns.append(field.column)
            expressions.append(expression)
        missing = set(values) - set(columns)
        if missing:
            raise CommandError(f"{model.__name__} has no column {sorted(missing)}")
        sql = (
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)})\n"
            f"SELECT {', '.join(expressions)}\n{source.format(**tables(), profile=PROFILE_SQL)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def _balances(self, as_of: dt.date) -> None:
        # The same recomputation every write path runs, over all customers in chunks.
        refresh_balances(Customer.objects.values_list("pk", flat=True), as_of=as_of)

    def _finish(self) -> None:
        with connection.cursor() as cursor:
            for model in (Customer, *BULK_TABLES):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
            cursor.execute("ANALYZE")


def tables() -> dict[str, str]:
    return {
        "customer": Customer._meta.db_table,
        "bill": Bill._meta.db_table,
        "payment": Payment._meta.db_table,
        "allocation": PaymentAllocation._meta.db_table,
        "promise": PaymentPromise._meta.db_table,
        "action": CollectionAction._meta.db_table,
        "disconnection": Disconnection._meta.db_table,
    }


EMPTY = {
    "BooleanField": "false",
    "DecimalField": "0",
    "IntegerField": "0",
    "PositiveIntegerField": "0",
    "PositiveSmallIntegerField": "0",
    "JSONField": "'{{}}'",
}


# One bill per customer per month, written month by month. A bill is paid in full on `paid`
# (its due date plus the customer's delay) unless it is among the customer's latest `unpaid`
# past-due bills or that day has not come yet.
BILL_VALUES = {
    "created_at": local("x.issue", "08:00"),
    "updated_at": local("x.issue", "08:00"),
    "customer_id": "x.id",
    "period": "x.period",
    "tariff_category": "CASE WHEN x.tariff = 'two_part' THEN 'large_industrial' "
    "ELSE 'general_commercial' END",
    "issue_date": "x.issue",
    "due_date": "x.due",
    "energy_kwh": "x.kwh",
    "peak_kwh": "round(x.kwh * 0.3)",
    "flat_kwh": "round(x.kwh * 0.45)",
    "valley_kwh": "x.kwh - round(x.kwh * 0.3) - round(x.kwh * 0.45)",
    "basic_charge": "m.basic",
    "energy_charge": "m.energy",
    "power_factor_adjustment": "0",
    "other_charges": "m.other",
    "total": "m.basic + m.energy + m.other",
    "settled_on": "CASE WHEN x.paid < %(today)s AND NOT (x.due < %(today)s "
    "AND x.recent <= x.unpaid) THEN x.paid END",
}
BILLS_FROM = f"""
FROM (
    SELECT r.id, r.tariff, r.capacity, r.unpaid, k, p.period, p.issue, p.due,
           %(months)s - k - %(not_due)s AS recent,
           round(r.base
                 * CASE WHEN extract(month FROM p.period) IN (1, 2, 7, 8) THEN 1.2 ELSE 1.0 END
                 * (0.9 + {h("r.id * 1000 + k")} %% 200 / 1000.0)
                 * CASE WHEN r.profile = 'declining' AND k >= %(months)s - 3 THEN 0.4
                        ELSE 1.0 END) AS kwh,
           p.due + CASE
               WHEN {h("r.id * 1000 + k + 5")} %% 1000 < r.late_share
               THEN r.late_min + ({h("r.id * 1000 + k + 7")} %% r.late_span)::int
               ELSE -({h("r.id * 1000 + k + 3")} %% 10)::int END AS paid
    FROM generate_series(0, %(months)s - 1) k
    CROSS JOIN LATERAL (
        SELECT (%(first)s::date + make_interval(months => k))::date AS period,
               (%(first)s::date + make_interval(months => k + 1) + interval '4 days')::date
                   AS issue,
               (%(first)s::date + make_interval(months => k + 1) + interval '24 days')::date
                   AS due
    ) p
    CROSS JOIN (
        SELECT c.*,
               CASE c.profile WHEN 'good' THEN 0 WHEN 'sometimes' THEN 250
                    WHEN 'chronic' THEN 700 WHEN 'declining' THEN 500 ELSE 800 END
                   AS late_share,
               CASE c.profile WHEN 'chronic' THEN 10 WHEN 'severe' THEN 15 ELSE 3 END
                   AS late_min,
               CASE c.profile WHEN 'chronic' THEN 50 WHEN 'severe' THEN 60 ELSE 37 END
                   AS late_span,
               CASE c.profile
                    WHEN 'chronic' THEN 1 + {h("c.id + 11")} %% 3
                    WHEN 'declining' THEN 1 + {h("c.id + 11")} %% 2
                    WHEN 'severe' THEN 3 + {h("c.id + 11")} %% 6
                    WHEN 'sometimes' THEN
                        CASE WHEN {h("c.id + 11")} %% 50 = 0 THEN 1 ELSE 0 END
                    ELSE 0 END AS unpaid
        FROM (
            SELECT c.id, c.tariff, c.contract_capacity_kva AS capacity,
                   20000 + {h("c.id * 7 + 1")} %% 600000 AS base, {{profile}} AS profile
            FROM {{customer}} c
        ) c
    ) r
) x
CROSS JOIN LATERAL (
    SELECT CASE WHEN x.tariff = 'two_part' THEN round(x.capacity * 25, 2) ELSE 0 END AS basic,
           round(x.kwh * 0.72, 2) AS energy,
           round(x.kwh * 0.03, 2) AS other
) m
ORDER BY x.k, x.id"""

# A payment for each settled bill, on its settlement day; and a partial payment (40 %) on some
# unpaid past-due bills. A payment takes its bill's id, so its allocation is easy to write.
PAYMENT_VALUES = {
    "id": "b.id",
    "created_at": "x.at",
    "updated_at": "x.at",
    "customer_id": "b.customer_id",
    "amount": "CASE WHEN b.settled_on IS NULL THEN round(b.total * 0.4, 2) ELSE b.total END",
    "paid_at": "x.at",
    "channel": f"(ARRAY['bank', 'counter', 'online', 'wechat', 'alipay'])[1 + {h('b.id')} %% 5]",
    "reference": "'BENCH' || b.id",
}
PAYMENTS_FROM = f"""
FROM {{bill}} b
CROSS JOIN LATERAL (
    SELECT {local("coalesce(b.settled_on, b.due_date + 5)", "10:00")}
           + make_interval(mins => ({h("b.id + 1")} %% 480)::int) AS at
) x
WHERE b.total > 0 AND (b.settled_on IS NOT NULL
       OR (b.due_date + 5 < %(today)s AND {h("b.id + 2")} %% 100 < 15))"""
ALLOCATION_VALUES = {
    "payment_id": "p.id",
    "bill_id": "p.id",
    "amount": "p.amount",
    "created_at": "p.paid_at",
}
ALLOCATIONS_FROM = "FROM {payment} p"

# Chronic, declining and severe customers made one to three promises in the last months;
# most were broken.
PROMISE_VALUES = {
    "created_at": local("x.due - 14", "09:00"),
    "updated_at": local("x.due + 1", "02:00"),
    "customer_id": "c.id",
    "amount": f"1000 + {h('c.id * 10 + j')} %% 50000",
    "due_date": "x.due",
    "status": f"CASE WHEN {h('c.id * 10 + j + 1')} %% 10 < 6 THEN 'broken' ELSE 'kept' END",
    "promised_by": "'财务负责人'",
    "resolved_at": local("x.due + 1", "02:00"),
}
PROMISES_FROM = f"""
FROM {{customer}} c
CROSS JOIN generate_series(1, 3) j
CROSS JOIN LATERAL (
    SELECT (%(today)s::date - (j * 40 + {h("c.id * 10 + j")} %% 30 + 1)::int) AS due
) x
WHERE {{profile}} IN ('chronic', 'declining', 'severe') AND j <= 1 + {h("c.id + 21")} %% 3"""

# A call and an SMS reminder for every customer with a past-due unpaid bill.
ACTION_VALUES = {
    "created_at": "x.at",
    "updated_at": "x.at",
    "customer_id": "d.customer_id",
    "kind": "v.kind",
    "at": "x.at",
    "outcome": "'已催缴电费'",
}
ACTIONS_FROM = f"""
FROM (SELECT DISTINCT customer_id FROM {{bill}}
      WHERE settled_on IS NULL AND due_date < %(today)s) d
CROSS JOIN (VALUES ('call', 20), ('sms', 10)) v(kind, back)
CROSS JOIN LATERAL (SELECT {local("%(today)s::date - v.back", "10:00")} AS at) x"""

# A quarter of the severe debtors were disconnected (and reconnected) in the last year, each
# after a delivered disconnection notice.
DISCONNECTED = f"""
FROM {{customer}} c
CROSS JOIN LATERAL (
    SELECT (%(today)s::date - (30 + {h("c.id + 31")} %% 300)::int) AS cut
) x
WHERE {{profile}} = 'severe' AND {h("c.id + 37")} %% 4 = 0"""
NOTICE_VALUES = {
    "created_at": local("x.cut - 10", "09:00"),
    "updated_at": local("x.cut - 10", "09:00"),
    "customer_id": "c.id",
    "kind": "'disconnection_notice'",
    "at": local("x.cut - 10", "09:00"),
    "outcome": "'送达停电通知书'",
    "delivered_at": local("x.cut - 10", "11:00"),
    "delivery_method": "'in_person'",
    "delivered_to": "'财务'",
}
NOTICES_FROM = DISCONNECTED
DISCONNECTION_VALUES = {
    "created_at": local("x.cut - 2", "09:00"),
    "updated_at": local("x.cut + 3", "09:00"),
    "customer_id": "c.id",
    "scheduled_for": "x.cut",
    "status": "'reconnected'",
    "notice_id": "n.id",
    "reason": "'欠费停电'",
    "arrears_amount": "10000",
    "oldest_due_date": "x.cut - 60",
    "approved_at": local("x.cut - 1", "15:00"),
    "executed_at": local("x.cut", "10:00"),
    "arrears_cleared_at": local("x.cut + 2", "10:00"),
    "reconnect_due": local("x.cut + 3", "10:00"),
    "reconnected_at": local("x.cut + 2", "16:00"),
}
DISCONNECTIONS_FROM = DISCONNECTED.replace(
    "FROM {customer} c",
    "FROM {customer} c\nJOIN {action} n "
    "ON n.customer_id = c.id AND n.kind = 'disconnection_notice'",
)
