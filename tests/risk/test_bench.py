"""The benchmark's commands work (on a tiny data set): the generator is deterministic and the
benchmark reports every size, its statements and its agreement with the naive loop."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from accounts_manager.models import FollowUp
from billing.models import Bill, CustomerBalance, Disconnection, Payment, PaymentPromise
from billing.reconciliation import reconcile_balances
from common.actors import SYSTEM
from customers.models import Customer
from risk.models import RiskScan

pytestmark = pytest.mark.django_db(transaction=True)


def seed(customers: int = 300, months: int = 12) -> dict:
    call_command(
        "seed_bench",
        customers=customers,
        months=months,
        as_of=_day(),
        reset=True,
        force=True,
        stdout=io.StringIO(),
    )
    return {
        "customers": Customer.objects.aggregate(n=Count("pk"))["n"],
        "active": Customer.objects.active().count(),
        "bills": Bill.objects.aggregate(n=Count("pk"), total=Sum("total")),
        "open": Bill.objects.open().count(),
        "payments": Payment.objects.aggregate(n=Count("pk"), total=Sum("amount")),
        "promises": PaymentPromise.objects.values("status").annotate(n=Count("pk")).count(),
        "disconnections": Disconnection.objects.count(),
    }


def _day():
    import datetime as dt

    return dt.date(2026, 11, 20)


def test_seed_bench_builds_the_same_realistic_data_every_time():
    first = seed()
    again = seed()

    assert first == again
    assert first["active"] == 300
    assert first["customers"] == 303
    assert first["bills"]["n"] == 303 * 12
    assert 0 < first["open"] < first["bills"]["n"] * 0.2
    assert first["payments"]["n"] > first["bills"]["n"] * 0.8
    assert first["promises"] >= 1
    # Every customer's balance is filled from the rows, as the nightly check finds it.
    assert CustomerBalance.objects.count() == first["customers"]
    assert reconcile_balances(acting_user=SYSTEM, as_of=_day()).drift_count == 0


def test_bench_risk_reports_every_size_and_agrees_with_the_naive_loop():
    seed(customers=200, months=12)
    kept = FollowUp.objects.create(
        customer=Customer.objects.first(),
        kind="risk",
        source="risk:manual",
        summary="x",
        due_at=timezone.now(),
    )
    out = io.StringIO()

    call_command(
        "bench_risk", sizes="50,200", naive_sample=20, force=True, markdown=True, stdout=out
    )

    report = out.getvalue()
    rows = [
        line
        for line in report.splitlines()
        if line.startswith("| 50 ") or line.startswith("| 200 ")
    ]
    assert len(rows) == 2
    assert all("| 20/20 |" in row for row in rows)
    statements = {row.split(" | ")[10] for row in rows}
    assert len(statements) == 1  # the same for 50 and 200 customers
    assert "PostgreSQL" in report
    assert Customer.objects.active().count() == 200  # the statuses were restored
    assert not RiskScan.objects.exists()  # and what the runs wrote was removed
    assert list(FollowUp.objects.filter(kind="risk").values_list("pk", "status")) == [
        (kept.pk, "open")
    ]
