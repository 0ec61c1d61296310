"""The number of bills and payments per region, kept by triggers (billing.counts), and the
exact `count` of the API's lists that reads it."""

import pytest
from django.db import connection

from billing import counts
from billing.models import Bill, Payment, RowCount
from common.actors import SYSTEM
from customers import services as customer_services
from tests.billing.factories import BillFactory, month

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers"),
]

BILL = Bill._meta.db_table
PAYMENT = Payment._meta.db_table


def kept(table, region=None):
    return counts.rows(table, region_ids=None if region is None else [region.pk])


def test_the_counts_follow_inserts_deletes_and_moves(customer_for, mgr_a, mgr_c, east, west, pay):
    a, c = customer_for(mgr_a), customer_for(mgr_c)
    Bill.objects.bulk_create(
        [BillFactory.build(customer=a, period=month(f"2025-0{m}")) for m in range(1, 4)]
    )
    BillFactory(customer=c, period=month("2025-01"))
    pay(a, "100.00", day="2025-03-01", reference="R1")
    pay(c, "100.00", day="2025-03-01", reference="R2")
    assert (kept(BILL), kept(BILL, east), kept(BILL, west)) == (4, 3, 1)
    assert (kept(PAYMENT, east), kept(PAYMENT, west)) == (1, 1)

    # A bill given to another customer (of another region) moves with it.
    bill = Bill.objects.filter(customer=a).first()
    bill.customer = c
    bill.save()
    assert (kept(BILL, east), kept(BILL, west)) == (2, 2)

    # A customer moved to another region takes its bills and payments.
    customer_services.update_customer(a, region=west, acting_user=SYSTEM)
    assert (kept(BILL, east), kept(BILL, west), kept(PAYMENT, west)) == (0, 4, 2)

    Payment.objects.filter(reference="R2").delete()
    Bill.objects.filter(customer=c).delete()
    assert (kept(BILL), kept(PAYMENT)) == (2, 1)
    assert counts.check() == {}


def test_folding_keeps_the_numbers_in_fewer_rows(customer_for, mgr_a, east):
    a = customer_for(mgr_a)
    for m in range(1, 7):
        BillFactory(customer=a, period=month(f"2025-{m:02d}"))
    rows_before = RowCount.objects.filter(table=BILL).count()
    assert rows_before >= 6
    assert counts.fold() >= 6
    assert RowCount.objects.filter(table=BILL).count() == 1
    assert kept(BILL, east) == 6
    assert counts.fold() == 1  # folding again changes nothing but the row
    assert kept(BILL, east) == 6


def test_the_nightly_check_reports_and_repairs_drift(customer_for, mgr_a, east):
    a = customer_for(mgr_a)
    BillFactory(customer=a, period=month("2025-01"))
    RowCount.objects.create(table=BILL, region_id=east.pk, n=5)  # planted drift
    assert counts.check() == {BILL: {east.pk: -5}}
    assert kept(BILL, east) == 1
    assert counts.check() == {}


def test_the_api_count_is_exact_and_read_from_the_kept_numbers(
    api, integration, sup_east, mgr_a, mgr_c, customer_for, django_assert_num_queries
):
    a, c = customer_for(mgr_a), customer_for(mgr_c)
    for m in range(1, 4):
        BillFactory(customer=a, period=month(f"2025-0{m}"))
    BillFactory(customer=c, period=month("2025-01"))
    # A planted difference shows which number the list answers: the kept one, for the lists
    # that may read it, and a real count for the others.
    RowCount.objects.create(table=BILL, region_id=a.region_id, n=100)
    assert api(integration).get("/api/v1/bills/").json()["count"] == 104
    assert api(sup_east).get("/api/v1/bills/").json()["count"] == 103
    assert api(integration).get("/api/v1/bills/?period=2025-01").json()["count"] == 2
    assert api(mgr_a).get("/api/v1/bills/").json()["count"] == 3
    counts.check()
    assert api(integration).get("/api/v1/bills/?ordering=-total").json()["count"] == 4
    assert api(sup_east).get("/api/v1/bills/?page_size=2").json()["count"] == 3
