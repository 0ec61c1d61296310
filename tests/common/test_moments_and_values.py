"""One rule for when things happened and for plausible values (issue 11 §4, §6.9): a time of
something that happened may not lie in the future beyond the clock-skew allowance; dates lie
in a window per kind; periods are exactly YYYY-MM; money is a string with at most two
decimals. Checked through the API and the pages, with a frozen clock."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from billing.models import Bill, Payment
from common.actors import SYSTEM
from common.api.fields import DateTimeField
from common.moments import window
from complaints import services as complaint_services
from tests.billing.factories import BillFactory
from tests.complaints.conftest import resolution

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 6, 3, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def payment(customer, **fields):
    return {
        "customer": customer.pk,
        "amount": "100.00",
        "paid_at": iso(NOW),
        "channel": "bank",
        "reference": f"R-{fields.get('paid_at', 'now')}-{fields.get('amount', '')}",
        **fields,
    }


@pytest.fixture
def debtor(customer_for, mgr_a):
    customer = customer_for(mgr_a)
    BillFactory(customer=customer, period=dt.date(2025, 4, 1), total=Decimal("1000.00"))
    return customer


# --- when it happened -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "paid_at, status",
    [
        (NOW + dt.timedelta(minutes=4), 201),
        (NOW + dt.timedelta(minutes=6), 400),
        (NOW + dt.timedelta(days=365 * 974), 400),
        (dt.datetime(1900, 1, 1, 12, tzinfo=SHANGHAI), 400),
        (dt.datetime(1, 1, 1, 12, tzinfo=dt.UTC), 400),
        (dt.datetime(2000, 1, 1, 0, 0, tzinfo=SHANGHAI), 201),
    ],
)
def test_a_payment_time_lies_between_2000_and_now_plus_the_skew(
    api, integration, debtor, paid_at, status
):
    response = api(integration).post(
        "/api/v1/payments/", payment(debtor, paid_at=iso(paid_at)), format="json"
    )
    assert response.status_code == status, response.json()
    if status == 400:
        assert list(response.json()) == ["paid_at", "code"]


def test_the_payment_page_refuses_a_future_time_with_the_same_message(client, mgr_a, debtor):
    client.force_login(mgr_a)
    response = client.post(
        f"/billing/customers/{debtor.pk}/payments/new/",
        {
            "amount": "100.00",
            "paid_at": "2025-06-03 11:00",
            "channel": "counter",
            "reference": "P-1",
        },
    )
    assert response.status_code in (200, 400)
    assert "该时间晚于当前时间。" in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.parametrize("field", ["at", "delivered_at"])
def test_a_collection_action_cannot_happen_in_the_future(api, mgr_a, debtor, field):
    body = {"customer": debtor.pk, "kind": "disconnection_notice", "at": iso(NOW)}
    body[field] = iso(NOW + dt.timedelta(hours=1))
    response = api(mgr_a).post("/api/v1/collection-actions/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def _resolvable(register, drive, customer):
    return drive(register(customer, received_at=NOW - dt.timedelta(days=1)), "in_progress")


@pytest.fixture
def register(mgr_a):
    def make(customer, **fields):
        complaint, _ = complaint_services.register_complaint(
            customer=customer,
            channel="hotline_95598",
            category="power_quality",
            description="电压波动",
            acting_user=SYSTEM,
            **fields,
        )
        return complaint

    return make


@pytest.fixture
def drive(mgr_a):
    def move(complaint, _status):
        complaint = complaint_services.acknowledge_complaint(complaint, acting_user=mgr_a)
        return complaint_services.start_complaint(complaint, acting_user=mgr_a)

    return move


def test_the_customer_cannot_be_told_after_the_resolution_is_recorded_api(
    api, mgr_a, customer_for, register, drive
):
    complaint = _resolvable(register, drive, customer_for(mgr_a))
    body = resolution(customer_informed_at=iso(NOW + dt.timedelta(minutes=30)))
    response = api(mgr_a).post(f"/api/v1/complaints/{complaint.pk}/resolve/", body, format="json")
    assert response.status_code == 400
    assert response.json()["customer_informed_at"] == ["该时间晚于当前时间。"]
    complaint.refresh_from_db()
    assert complaint.status == "in_progress"


def test_the_customer_cannot_be_told_after_the_resolution_is_recorded_page(
    client, mgr_a, customer_for, register, drive
):
    complaint = _resolvable(register, drive, customer_for(mgr_a))
    client.force_login(mgr_a)
    body = resolution(customer_informed_at="2025-06-03 10:30")
    response = client.post(f"/complaints/{complaint.pk}/resolve/", body)
    assert response.status_code == 400
    assert "该时间晚于当前时间。" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == "in_progress"


def test_a_complaint_received_in_the_future_or_before_2000_is_refused(api, integration, debtor):
    for received_at in (NOW + dt.timedelta(hours=1), dt.datetime(1999, 12, 31, tzinfo=SHANGHAI)):
        response = api(integration).post(
            "/api/v1/complaints/",
            {
                "customer": debtor.pk,
                "channel": "hotline_95598",
                "category": "power_quality",
                "description": "电压波动",
                "received_at": iso(received_at),
            },
            format="json",
        )
        assert response.status_code == 400
        assert "received_at" in response.json()


# --- windows for planned and issued dates ---------------------------------------------------


@pytest.mark.parametrize("due_date", ["2999-01-01", "2027-06-30"])
def test_a_promise_due_years_ahead_is_refused(api, mgr_a, debtor, due_date):
    response = api(mgr_a).post(
        "/api/v1/promises/",
        {"customer": debtor.pk, "amount": "500.00", "due_date": due_date},
        format="json",
    )
    assert response.status_code == 400
    assert "due_date" in response.json()


@pytest.mark.parametrize("year", [1900, 2999])
def test_an_outage_in_1900_or_2999_is_refused(api, sup_east, feeder_east, year):
    start = dt.datetime(year, 7, 1, 8, tzinfo=SHANGHAI)
    response = api(sup_east).post(
        "/api/v1/outages/",
        {
            "kind": "planned",
            "reason": "检修",
            "area": "北片",
            "feeders": [feeder_east.code],
            "start": iso(start),
            "end": iso(start + dt.timedelta(hours=4)),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "start" in response.json()


def bill(customer, **fields):
    return {
        "account_no": customer.account_no,
        "period": "2025-04",
        "issue_date": "2025-05-05",
        "due_date": "2025-05-25",
        "energy_kwh": "1000.00",
        "energy_charge": "600.00",
        **fields,
    }


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"period": "2035-01", "issue_date": "2999-02-05", "due_date": "2999-02-25"}, "period"),
        ({"issue_date": "2999-05-05", "due_date": "2999-05-25"}, "issue_date"),
        ({"period": "1999-01", "issue_date": "1999-02-05", "due_date": "1999-02-25"}, "period"),
    ],
)
def test_a_bill_outside_the_billing_window_is_refused(api, integration, debtor, fields, field):
    response = api(integration).post("/api/v1/bills/", bill(debtor, **fields), format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("period", ["2025-4", "202504", "2025/04", "２０２５-04", 202504])
def test_a_period_not_exactly_yyyy_mm_never_upserts_a_bill(api, integration, debtor, period):
    existing = Bill.objects.get(customer=debtor)
    before = existing.total
    for path, body in (
        ("/api/v1/bills/", bill(debtor, period=period, energy_charge="999.00")),
        ("/api/v1/bills/import/", [bill(debtor, period=period, energy_charge="999.00")]),
    ):
        response = api(integration).post(path, body, format="json")
        assert response.status_code == 400
    existing.refresh_from_db()
    assert existing.total == before


@pytest.mark.parametrize(
    "amount", ["1E5", "１００.００", 100, 100.5, "100.123", "1,000.00", "+100", "-100.00"]
)
def test_an_amount_is_a_plain_string_with_two_decimals_at_most(api, integration, debtor, amount):
    response = api(integration).post(
        "/api/v1/payments/", payment(debtor, amount=amount), format="json"
    )
    assert response.status_code == 400
    assert "amount" in response.json()
    bills = api(integration).post(
        "/api/v1/bills/import/", [bill(debtor, energy_charge=amount)], format="json"
    )
    assert bills.status_code == 400
    assert [e["field"] for e in bills.json()["errors"]] == ["energy_charge"]


@pytest.mark.parametrize("amount", ["100", "100.5", "100.50"])
def test_plain_amounts_are_accepted(api, integration, debtor, amount):
    response = api(integration).post(
        "/api/v1/payments/", payment(debtor, amount=amount), format="json"
    )
    assert response.status_code == 201
    assert Decimal(response.json()["amount"]) == Decimal(amount)


def test_a_negative_amount_is_accepted_only_where_negative_is_allowed(api, integration, debtor):
    row = bill(debtor, power_factor_adjustment="-10.00", energy_charge="610.00")
    response = api(integration).post("/api/v1/bills/import/", [row], format="json")
    assert response.status_code == 200, response.json()


def test_a_csv_import_follows_the_same_rules(admin_user, debtor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from billing import services

    content = (
        "account_no,period,issue_date,due_date,energy_kwh,energy_charge\n"
        f"{debtor.account_no},2025/04,2025-05-05,2025-05-25,1000,600.00\n"
        f"{debtor.account_no},2025-05,2999-06-05,2999-06-25,1000,1E5\n"
    )
    from billing.imports import BILL_COLUMNS, numbered, read_table

    rows, numbers = numbered(
        read_table(SimpleUploadedFile("bills.csv", content.encode()), BILL_COLUMNS)
    )
    result = services.import_bills(rows, numbers=numbers, dry_run=True, acting_user=admin_user)
    fields = sorted((e["row"], e["field"]) for e in result.errors)
    assert fields == [(2, "period"), (3, "due_date"), (3, "energy_charge"), (3, "issue_date")]


# --- output ----------------------------------------------------------------------------------


def test_times_before_1901_are_written_in_utc_not_local_mean_time():
    field = DateTimeField()
    old = dt.datetime(1900, 1, 1, 12, 0, tzinfo=SHANGHAI)
    assert field.to_representation(old) == "1900-01-01T03:54:17Z"
    recent = dt.datetime(2025, 6, 3, 10, 0, tzinfo=SHANGHAI)
    assert field.to_representation(recent) == "2025-06-03T10:00:00+08:00"


def test_the_windows_are_relative_to_today():
    first, last = window("planned")
    assert first == dt.date(2000, 1, 1)
    assert last == timezone.localdate() + dt.timedelta(days=2 * 366)


def test_a_time_within_the_skew_is_recorded_as_now_never_after_the_resolution(
    api, mgr_a, customer_for, register, drive
):
    complaint = _resolvable(register, drive, customer_for(mgr_a))
    body = resolution(customer_informed_at=iso(NOW + dt.timedelta(minutes=3)))
    response = api(mgr_a).post(f"/api/v1/complaints/{complaint.pk}/resolve/", body, format="json")
    assert response.status_code == 200, response.json()
    complaint.refresh_from_db()
    assert complaint.customer_informed_at == complaint.resolved_at == NOW


@pytest.mark.parametrize("amount", ["1E5", "１００.００"])
def test_the_payment_page_refuses_what_the_api_refuses(client, mgr_a, debtor, amount):
    client.force_login(mgr_a)
    response = client.post(
        f"/billing/customers/{debtor.pk}/payments/new/",
        {"amount": amount, "paid_at": "2025-06-03 09:00", "channel": "counter", "reference": "P"},
    )
    assert "最多两位小数" in response.content.decode()
    assert not Payment.objects.exists()


def test_the_admin_records_no_collection_action_past_the_services(client, admin_user, debtor):
    """The admin only looks collection actions up: they are recorded through the services,
    which check the time (so no future time gets in by the back door)."""
    client.force_login(admin_user)
    response = client.post(
        "/admin/billing/collectionaction/add/",
        {
            "customer": debtor.pk,
            "kind": "call",
            "at_0": "2025-06-03",
            "at_1": "12:00:00",
            "outcome": "x",
        },
    )
    assert response.status_code == 403
    assert not debtor.collection_actions.exists()


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/v1/assignments/", {"manager": "MGR", "start": "1900-01-01"}, "start"),
        ("/api/v1/assignments/", {"manager": "MGR", "start": "2999-01-01"}, "start"),
    ],
)
def test_assignments_far_in_the_past_or_future_are_refused(
    api, sup_east, mgr_b, customer_for, mgr_a, path, body, field
):
    customer = customer_for(mgr_a)
    body = {**body, "customer": customer.pk, "manager": mgr_b.pk}
    response = api(sup_east).post(path, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2025, 6, 3, 2, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 6, 3, 2, 0, 0, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 15, 30, tzinfo=dt.UTC),
        dt.datetime(2025, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.datetime(1950, 7, 1, 12, 0, tzinfo=dt.UTC),
    ],
)
def test_the_written_out_moment_is_drfs_own(moment):
    """DateTimeField writes ISO 8601 itself for speed: the same text as DRF's field."""
    from django.utils import timezone as django_timezone
    from rest_framework.fields import DateTimeField as DrfDateTimeField

    assert DateTimeField().to_representation(moment) == DrfDateTimeField().to_representation(moment)
    with django_timezone.override(dt.UTC):
        assert DateTimeField().to_representation(moment) == DrfDateTimeField().to_representation(
            moment
        )


def test_a_list_writes_its_moments_in_the_zone_current_when_it_starts():
    """OneZoneListSerializer looks the zone up once per list, and still follows an override."""
    from django.utils import timezone as django_timezone
    from rest_framework import serializers

    from common.api.fields import OneZoneListSerializer

    class Row(serializers.Serializer):
        at = DateTimeField()

        class Meta:
            list_serializer_class = OneZoneListSerializer

    moment = dt.datetime(2026, 12, 31, 15, 30, tzinfo=dt.UTC)
    rows = [{"at": moment}, {"at": moment}]
    assert [r["at"] for r in Row(rows, many=True).data] == ["2026-12-31T23:30:00+08:00"] * 2
    with django_timezone.override(dt.UTC):
        assert [r["at"] for r in Row(rows, many=True).data] == ["2026-12-31T15:30:00Z"] * 2
    # After the list, each moment looks the zone up again.
    assert DateTimeField().to_representation(moment) == "2026-12-31T23:30:00+08:00"


@pytest.mark.parametrize(
    "amount",
    ["0.00", "12345.60", "-7.05", "99999999999.99", "1.5", "3", "2.345", "1E+2", "0.10"],
)
def test_the_written_out_amount_is_drfs_own(amount):
    """MoneyField writes a stored amount (two places) itself for speed: the same as DRF's."""
    from decimal import Decimal

    from rest_framework.fields import DecimalField

    from common.api.fields import MoneyField

    drf = DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    assert MoneyField().to_representation(Decimal(amount)) == drf.to_representation(Decimal(amount))
