"""Risk follows the money: each kind of money change asks for its customer to be rescored,
bursts are coalesced into one task run, and a rescoring writes exactly what the nightly scan
would; a scan split into partitions gives the same rows as one run in one task."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction

from accounts_manager.models import FollowUp, Notice
from billing import collection, disconnections, payments, services
from billing.models import Payment
from common.actors import SYSTEM
from customers.models import Customer
from risk import rescoring, tasks
from risk import services as risk
from risk.models import RiskAssessment, RiskRescoreRequest, RiskScan, RiskScanTrigger
from risk.partitions import partition_slices
from tests.risk.factories import bill, disconnection, promise, year_of_bills

pytestmark = pytest.mark.django_db

COLUMNS = ("score", "level", "override_level", "previous_level", "rose", "changed", "reasons")


@pytest.fixture(autouse=True)
def no_debounce_left():
    cache.delete(rescoring.DEBOUNCE_KEY)
    yield
    cache.delete(rescoring.DEBOUNCE_KEY)


@pytest.fixture
def scheduled(monkeypatch):
    """The rescoring task is recorded instead of run: the countdown of each apply_async."""
    calls: list = []
    monkeypatch.setattr(
        tasks.rescore_pending, "apply_async", lambda *a, **kw: calls.append(kw.get("countdown"))
    )
    return calls


def waiting() -> set[int]:
    return set(RiskRescoreRequest.objects.values_list("customer_id", flat=True))


def owing(customer_for, mgr_a):
    customer = customer_for(mgr_a)
    year_of_bills(customer, last="2025-03")
    bill(customer, "2025-04", total="3000.00")  # due 2025-05-25, unpaid
    return customer


# --- the hook fires for each kind of change --------------------------------------------------


def _payment(customer):
    payments.record_payment(
        customer,
        amount=Decimal("100.00"),
        paid_at=dt.datetime(2025, 6, 1, 9, tzinfo=dt.UTC),
        channel="bank",
        reference="P-1",
        acting_user=SYSTEM,
    )


def _reversal(customer):
    paid = Payment.objects.create(
        customer=customer,
        amount=Decimal("50.00"),
        paid_at=dt.datetime(2025, 6, 1, 9, tzinfo=dt.UTC),
        channel="bank",
        reference="P-2",
    )
    payments.reverse_payment(paid, reason="bounced", acting_user=SYSTEM)


def _bill_import(customer):
    row = {
        "account_no": customer.account_no,
        "period": "2025-05",
        "issue_date": "2025-06-01",
        "due_date": "2025-06-20",
        "energy_kwh": "1000",
        "energy_charge": "150.00",
    }
    result = services.import_bills([row], acting_user=SYSTEM)
    assert result.committed, result.errors


def _write_off(customer):
    services.write_off_bill(
        customer.bills.get(period="2025-04-01"), reason="bankrupt", acting_user=SYSTEM
    )


def _promise(customer):
    collection.record_promise(
        customer, amount=Decimal("500.00"), due_date=dt.date(2025, 6, 10), acting_user=SYSTEM
    )


def _promise_broken(customer):
    promise(customer, due="2025-05-30", status="pending")
    assert collection.check_promises()["broken"] == 1


def _disconnection(customer):
    done = disconnection(customer, executed="2025-05-28", status="requested")
    disconnections.cancel_disconnection(done, reason="paid", acting_user=SYSTEM)


@pytest.mark.parametrize(
    "change",
    [
        _payment,
        _reversal,
        _bill_import,
        _write_off,
        _promise,
        _promise_broken,
        _disconnection,
    ],
)
def test_each_kind_of_money_change_asks_for_its_customer_to_be_rescored(
    change, customer_for, mgr_a, clock, scheduled, django_capture_on_commit_callbacks
):
    clock("2025-06-02")
    customer = owing(customer_for, mgr_a)
    other = owing(customer_for, mgr_a)
    with django_capture_on_commit_callbacks(execute=True):
        change(customer)
    assert waiting() == {customer.pk}
    assert other.pk not in waiting()
    assert scheduled == [1.5]


def test_a_rolled_back_change_asks_for_nothing(
    customer_for, mgr_a, clock, scheduled, django_capture_on_commit_callbacks
):
    clock("2025-06-02")
    customer = owing(customer_for, mgr_a)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _payment(customer)
        raise RuntimeError
    assert waiting() == set()
    other = owing(customer_for, mgr_a)
    with django_capture_on_commit_callbacks(execute=True):
        _payment(other)
    assert waiting() == {other.pk}  # the rolled-back change is not told with the next one


# --- coalescing ------------------------------------------------------------------------------


def test_a_burst_of_changes_schedules_one_task_that_rescores_them_all_at_once(
    customer_for, mgr_a, clock, scheduled, django_capture_on_commit_callbacks
):
    clock("2025-06-02")
    customers = [owing(customer_for, mgr_a) for _ in range(12)]
    for i, customer in enumerate(customers * 2):  # two payments each, one transaction each
        with django_capture_on_commit_callbacks(execute=True):
            payments.record_payment(
                customer,
                amount=Decimal("10.00"),
                paid_at=dt.datetime(2025, 6, 1, 9, tzinfo=dt.UTC),
                channel="bank",
                reference=f"B-{i}",
                acting_user=SYSTEM,
            )
    assert scheduled == [1.5]  # one task for 24 changes
    assert waiting() == {c.pk for c in customers}

    assert tasks.rescore_pending() == 12  # the one run
    run = RiskScan.objects.get(trigger=RiskScanTrigger.CHANGE)
    assert run.status == "done"
    assert run.customers_scanned == 12
    assert set(run.assessments.values_list("customer_id", flat=True)) == {c.pk for c in customers}
    assert waiting() == set()
    assert tasks.rescore_pending() == 0  # a later run finds nothing


def test_batches_drain_everything_waiting(customer_for, mgr_a, clock, settings):
    clock("2025-06-02")
    settings.RISK_RESCORE_BATCH = 2
    customers = [owing(customer_for, mgr_a) for _ in range(5)]
    RiskRescoreRequest.objects.bulk_create(
        [RiskRescoreRequest(customer_id=c.pk) for c in customers]
    )
    assert rescoring.rescore_pending() == 5
    assert RiskScan.objects.filter(trigger=RiskScanTrigger.CHANGE).count() == 3


def test_rescoring_waits_while_a_scan_of_every_customer_is_under_way(
    customer_for, mgr_a, clock, scheduled
):
    clock("2025-06-02")
    customer = owing(customer_for, mgr_a)
    RiskRescoreRequest.objects.create(customer_id=customer.pk)
    queued = risk.queue_risk_scan(acting_user=SYSTEM)
    assert rescoring.rescore_pending() == 0
    assert waiting() == {customer.pk}
    assert scheduled == [5]  # looks again RISK_RESCORE_RETRY seconds later
    queued.delete()
    assert rescoring.rescore_pending() == 1


def test_only_active_customers_are_rescored(customer_for, mgr_a, clock):
    clock("2025-06-02")
    customer = owing(customer_for, mgr_a)
    Customer.objects.filter(pk=customer.pk).update(status="suspended")
    assert rescoring.rescore_customers([customer.pk]) is None
    assert not RiskScan.objects.filter(trigger=RiskScanTrigger.CHANGE).exists()


# --- the same result as the nightly scan -----------------------------------------------------


def _rows(scan_id: int) -> dict[int, tuple]:
    return {
        row[0]: row[1:]
        for row in RiskAssessment.objects.filter(scan_id=scan_id).values_list(
            "customer_id", *COLUMNS
        )
    }


def test_rescoring_after_each_change_writes_what_the_nightly_scan_finds(
    customer_for,
    mgr_a,
    sup_east,
    clock,
    scan,
    scheduled,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.RISK_FACTOR_BANDS = {
        **settings.RISK_FACTOR_BANDS,
        "broken_promises": [(1, 30), (2, 60), (3, 80)],
    }
    clock("2025-06-02")
    payer, importer, promiser, untouched = (owing(customer_for, mgr_a) for _ in range(4))
    bill(importer, "2024-02", total="9000.00", due="2025-03-25")  # long overdue
    first = scan()

    clock("2025-06-03")
    with django_capture_on_commit_callbacks(execute=True):
        payments.record_payment(
            payer,
            amount=Decimal("3000.00"),
            paid_at=dt.datetime(2025, 6, 3, 1, tzinfo=dt.UTC),
            channel="bank",
            reference="PAY-ALL",
            acting_user=SYSTEM,
        )
    with django_capture_on_commit_callbacks(execute=True):
        _bill_import(importer)
    for due in ("2025-05-20", "2025-05-25", "2025-05-30"):
        promise(promiser, due=due, status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        assert collection.check_promises()["broken"] == 3
    assert waiting() == {payer.pk, importer.pk, promiser.pk}
    rescoring.rescore_pending()

    rescored = {}
    for run in RiskScan.objects.filter(trigger=RiskScanTrigger.CHANGE):
        rescored.update(_rows(run.pk))
    assert set(rescored) == {payer.pk, importer.pk, promiser.pk}
    assert rescored[promiser.pk][1] in ("high", "critical")  # the promises count at once
    assert rescored[promiser.pk][4] is True  # a rise: followed up at once, not at night
    assert FollowUp.objects.filter(customer=promiser, kind="risk", status="open").count() == 1
    assert Notice.objects.filter(recipient=sup_east, key__startswith="risk-scan:").count() == 1

    nightly = scan()
    found = _rows(nightly.pk)
    # The nightly scan finds every rescored customer as the rescoring left it: same score,
    # level, override and reasons, nothing changed, nobody rises a second time.
    for customer_id, row in rescored.items():
        assert found[customer_id][:3] + found[customer_id][6:] == row[:3] + row[6:]
    assert not any(row[5] for row in found.values())  # `changed`: nothing left to copy
    assert not any(row[4] for row in found.values())  # `rose`: no second follow-up or notice
    assert _rows(first.pk)[untouched.pk][:3] == found[untouched.pk][:3]
    assert Notice.objects.filter(recipient=sup_east, key__startswith="risk-scan:").count() == 1
    for customer in Customer.objects.filter(pk__in=rescored):
        assert (customer.risk_level, customer.risk_score) == found[customer.pk][1::-1]


def test_rescorings_are_not_listed_among_the_scans_of_every_customer(
    customer_for, mgr_a, clock, scan
):
    clock("2025-06-02")
    customer = owing(customer_for, mgr_a)
    full = scan()
    rescoring.rescore_customers([customer.pk])
    assert list(RiskScan.objects.done().full()) == [full]


# --- a scan split across workers ---------------------------------------------------------------


def test_partition_slices_cover_the_range_once():
    assert partition_slices(10, 20, 3) == [(10, 14), (14, 18), (18, 20)]
    assert partition_slices(5, 5, 3) == []
    assert partition_slices(1, 3, 5) == [(1, 2), (2, 3)]


def test_a_scan_split_into_partitions_writes_the_same_rows_as_one_run(
    customer_for, mgr_a, clock, scan, settings
):
    clock("2025-06-02")
    customers = [owing(customer_for, mgr_a) for _ in range(7)]
    for i, customer in enumerate(customers):
        for n in range(i % 4):
            promise(customer, due=f"2025-05-1{n}")
    bill(customers[3], "2024-01", total="5000.00", due="2025-02-25")
    scan()  # previous levels, so that rises and changes are compared too
    promise(customers[0], due="2025-05-20")

    settings.RISK_SCAN_PARTITIONS = 3
    with transaction.atomic():
        split = scan()
        split_rows = _rows(split.pk)
        split_levels = dict(Customer.objects.values_list("pk", "risk_level"))
        assert split.partitions_left == 0
        assert split.customers_scanned == len(customers)
        transaction.set_rollback(True)
    settings.RISK_SCAN_PARTITIONS = 0
    single = scan()
    assert split_rows == _rows(single.pk)
    assert split_levels == dict(Customer.objects.values_list("pk", "risk_level"))
    assert (split.levels, split.risers) == (single.levels, single.risers)
