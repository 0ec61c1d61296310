"""The customer balance is exact after every kind of write, a random mix of them and concurrent
ones; the nightly reconciliation finds and repairs drift; stale aging figures roll forward."""

import datetime as dt
import random
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from billing import balances, payments, services
from billing.models import Bill, CustomerBalance, Payment, ReconciliationRun
from billing.reconciliation import reconcile_balances
from billing.selectors import AGING_BUCKETS
from common.actors import SYSTEM
from tests.billing.conftest import at
from tests.billing.factories import BillFactory, month

pytestmark = pytest.mark.django_db


def bill_row(customer, period: str, total: str) -> dict:
    issue = (month(period) + dt.timedelta(days=32)).replace(day=5)
    return {
        "account_no": customer.account_no,
        "period": period,
        "issue_date": issue.isoformat(),
        "due_date": issue.replace(day=25).isoformat(),
        "energy_kwh": "1000",
        "energy_charge": total,
    }


def assert_exact(*customers, as_of=None):
    """Every kept balance equals the one recomputed from the rows."""
    as_of = as_of or dt.date.today()
    ids = [c.pk for c in customers]
    kept = CustomerBalance.objects.in_bulk(ids)
    for actual in balances.compute_balances(ids, as_of=as_of):
        assert balances.differences(kept.get(actual.customer_id), actual) == []


def kept(customer) -> CustomerBalance:
    return CustomerBalance.objects.get(customer=customer)


def test_aging_fields_match_the_buckets():
    assert [name for name, _f, _l in balances.AGING] == [
        f"aging_{k}" for k, _f, _l in AGING_BUCKETS
    ]


def test_each_kind_of_write_keeps_the_balance_exact(clock, customer_for, pay):
    clock("2025-06-02")
    customer = customer_for(None)
    services.import_bills(
        [bill_row(customer, "2025-02", "300.00"), bill_row(customer, "2025-03", "200.00")],
        acting_user=SYSTEM,
    )
    assert (kept(customer).outstanding, kept(customer).open_bills) == (Decimal("500.00"), 2)
    assert kept(customer).oldest_open_due == dt.date(2025, 3, 25)
    assert_exact(customer)

    first = pay(customer, "350.00")
    assert (kept(customer).outstanding, kept(customer).credit) == (Decimal("150.00"), 0)
    assert_exact(customer)

    pay(customer, "400.00")  # 250 more than owed: credit
    assert (kept(customer).outstanding, kept(customer).credit) == (0, Decimal("250.00"))
    assert kept(customer).oldest_open_due is None
    assert_exact(customer)

    payments.reverse_payment(first, acting_user=SYSTEM)
    assert (kept(customer).outstanding, kept(customer).credit) == (Decimal("100.00"), 0)
    assert_exact(customer)

    # A lowered bill gives back allocations; the credit they become is applied.
    services.import_bills([bill_row(customer, "2025-02", "250.00")], acting_user=SYSTEM)
    assert_exact(customer)
    services.import_bills([bill_row(customer, "2025-04", "500.00")], acting_user=SYSTEM)
    assert_exact(customer)

    for open_bill in Bill.objects.filter(customer=customer).open():
        services.write_off_bill(open_bill, reason="破产", acting_user=SYSTEM)
    assert (kept(customer).open_bills, kept(customer).outstanding) == (0, 0)
    assert_exact(customer)


def test_overdue_and_aging_are_figures_of_the_day_they_hold_until(clock, customer_for):
    clock("2025-06-02")
    customer = customer_for(None)
    BillFactory(customer=customer, period=month("2025-04"), total=Decimal("100.00"))  # due 05-25
    BillFactory(customer=customer, period=month("2025-05"), total=Decimal("50.00"))  # due 06-25
    balance = kept(customer)
    assert (balance.overdue, balance.aging_1_30, balance.aging_31_60) == (100, 100, 0)
    # On 06-25 the April bill is 31 days past due (31_60); on 06-26 the May bill falls due.
    assert balance.changes_on == dt.date(2025, 6, 25)
    assert not CustomerBalance.objects.stale(dt.date(2025, 6, 24)).exists()
    assert CustomerBalance.objects.stale(dt.date(2025, 6, 25)).exists()

    clock("2025-06-26")
    assert balances.refresh_stale_balances() == 1
    balance = kept(customer)
    assert (balance.overdue, balance.aging_1_30, balance.aging_31_60) == (150, 50, 100)
    assert_exact(customer, as_of=dt.date(2025, 6, 26))


def test_a_random_mix_of_writes_ends_without_drift(clock, customer_for, pay):
    rng = random.Random(13)
    clock("2025-01-02")
    customers = [customer_for(None) for _ in range(4)]
    for step in range(60):
        clock((dt.date(2025, 1, 2) + dt.timedelta(days=step * 3)).isoformat())
        customer = rng.choice(customers)
        action = rng.choice(["bill", "bill", "pay", "pay", "reverse", "write_off", "credit"])
        if action == "bill":
            period = f"2024-{rng.randint(1, 12):02d}"
            total = f"{rng.randint(0, 900)}.{rng.randint(0, 99):02d}"
            services.import_bills([bill_row(customer, period, total)], acting_user=SYSTEM)
        elif action == "pay":
            pay(customer, f"{rng.randint(1, 700)}.{rng.randint(0, 99):02d}")
        elif action == "reverse":
            active = list(Payment.objects.filter(customer=customer).active())
            if active:
                payments.reverse_payment(rng.choice(active), acting_user=SYSTEM)
        elif action == "write_off":
            candidates = list(Bill.objects.filter(customer=customer).open())
            if candidates:
                services.write_off_bill(rng.choice(candidates), reason="x", acting_user=SYSTEM)
        else:
            latest = Payment.objects.filter(customer=customer).active().first()
            if latest is not None:
                payments.allocate_payment(latest)
        assert_exact(customer, as_of=dt.date(2025, 1, 2) + dt.timedelta(days=step * 3))
    run = reconcile_balances(acting_user=SYSTEM)
    assert (run.customers_checked, run.drift_count) == (4, 0)


def test_reconciliation_reports_and_repairs_planted_drift(clock, customer_for, pay):
    clock("2025-06-02")
    honest, drifted, lost = customer_for(None), customer_for(None), customer_for(None)
    for customer in (honest, drifted, lost):
        BillFactory(customer=customer, period=month("2025-03"), total=Decimal("100.00"))
    CustomerBalance.objects.filter(customer=drifted).update(outstanding=Decimal("70.00"))
    CustomerBalance.objects.filter(customer=lost).delete()

    run = reconcile_balances(acting_user=SYSTEM)

    assert (run.customers_checked, run.drift_count) == (3, 2)
    assert run.drift_total == Decimal("30.00")
    assert {
        "customer": drifted.pk,
        "field": "outstanding",
        "kept": "70.00",
        "actual": "100.00",
    } in (run.drift)
    assert {d["customer"] for d in run.drift} == {drifted.pk, lost.pk}
    assert kept(drifted).outstanding == kept(lost).outstanding == Decimal("100.00")
    assert reconcile_balances(acting_user=SYSTEM).drift_count == 0
    assert ReconciliationRun.objects.count() == 2


def test_the_command_runs_the_reconciliation(clock, customer_for, capsys):
    from django.core.management import call_command

    clock("2025-06-02")
    BillFactory(customer=customer_for(None), period=month("2025-03"))
    call_command("reconcile_balances")
    assert "0 had drifted" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_and_reversals_end_without_drift(customer_for):
    assert connection.vendor == "postgresql"
    customers = [customer_for(None) for _ in range(3)]
    for customer in customers:
        for m in range(1, 5):
            BillFactory(customer=customer, period=month(f"2025-0{m}"), total=Decimal("500.00"))
    workers, failures = 8, []
    barrier = threading.Barrier(workers)

    def work(index: int) -> None:
        rng = random.Random(index)
        try:
            barrier.wait(timeout=30)
            for step in range(6):
                customer = customers[(index + step) % len(customers)]
                payment, _ = payments.record_payment(
                    customer,
                    amount=Decimal(rng.randint(50, 400)),
                    paid_at=at("2025-06-01"),
                    channel="bank",
                    reference=f"C{index}-{step}",
                    acting_user=SYSTEM,
                )
                if rng.random() < 0.4:
                    payments.reverse_payment(payment, acting_user=SYSTEM)
        except Exception as exc:  # reported below; a thread's exception is otherwise lost
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert Payment.objects.count() == workers * 6
    assert reconcile_balances(acting_user=SYSTEM).drift_count == 0


# --- the arrears list read from the balances ---------------------------------------------------

ORDERINGS = [
    "",
    "outstanding",
    "-outstanding",
    "overdue",
    "-overdue",
    "oldest_due_date",
    "-days_past_due",
    "days_past_due",
    "account_no",
    "-account_no",
]
FILTERS = [
    "",
    "aging=1_30",
    "aging=31_60",
    "aging=over_90",
    "min_outstanding=300",
    "importance=level1",
    "search=0",
    "region=EAST",
    "manager=1",
]


@pytest.fixture
def arrears_mix(clock, customer_for, mgr_a, pay):
    """Eight customers of mgr_a with bills of several ages and some payments (today 2025-06-03)."""
    clock("2025-06-03 09:00")
    rng = random.Random(7)
    made = []
    for _i in range(8):
        customer = customer_for(mgr_a)
        for m in rng.sample(range(1, 6), rng.randint(1, 4)):
            BillFactory(
                customer=customer, period=month(f"2025-0{m}"), total=Decimal(rng.randint(1, 900))
            )
        if rng.random() < 0.5:
            pay(customer, str(rng.randint(1, 800)), day="2025-05-30")
        made.append(customer)
    return made


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_arrears_rows_equal_the_bills_in_every_order(
    api, mgr_a, arrears_mix, ordering, django_assert_max_num_queries
):
    from billing.selectors import customer_account

    client = api(mgr_a)
    client.get("/api/v1/arrears/")  # the first request of a process fills per-process caches
    with django_assert_max_num_queries(7):
        response = client.get(f"/api/v1/arrears/?ordering={ordering}")
    rows = response.json()["results"]
    assert rows, "the mix has customers in arrears"
    by_pk = {c.pk: c for c in arrears_mix}
    for row in rows:
        account = customer_account(by_pk[row["customer"]])
        assert (row["outstanding"], row["overdue"], row["oldest_due_date"]) == (
            str(account.outstanding),
            str(account.overdue),
            account.oldest_due_date.isoformat(),
        )
        assert row["aging"] == {k: str(v) for k, v in account.aging.items()}
    expected_count = sum(1 for c in arrears_mix if customer_account(c).oldest_due_date)
    assert response.json()["count"] == expected_count
    key = ordering.lstrip("-")
    if key in ("outstanding", "overdue", "account_no"):
        values = [Decimal(r[key]) if key != "account_no" else r[key] for r in rows]
        assert values == sorted(values, reverse=ordering.startswith("-"))


@pytest.mark.parametrize("query", FILTERS)
def test_every_arrears_filter_runs_a_fixed_number_of_queries(
    api, mgr_a, arrears_mix, query, django_assert_max_num_queries
):
    with django_assert_max_num_queries(7):
        response = api(mgr_a).get(f"/api/v1/arrears/?{query}&ordering=-overdue")
    assert response.status_code == 200
