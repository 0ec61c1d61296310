"""The billing API end to end: fields and formats of API.md, idempotency, roles, scoping."""

import datetime as dt
from decimal import Decimal

import pytest

from billing import payments as payment_services
from billing.api.serializers import PaymentSerializer
from billing.models import Bill, CollectionAction, Disconnection, Payment, PaymentPromise
from common.actors import SYSTEM
from tests.billing.conftest import at
from tests.billing.factories import ActionFactory, BillFactory, NoticeFactory, month

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(clock):
    return clock("2025-06-03 09:00")


def bill_row(customer, period="2025-04", **fields):
    row = {
        "account_no": customer.account_no,
        "period": period,
        "issue_date": "2025-05-05",
        "due_date": "2025-05-25",
        "energy_kwh": "12000",
        "peak_kwh": "4000",
        "flat_kwh": "5000",
        "valley_kwh": "3000",
        "basic_charge": "2000.00",
        "energy_charge": "8000.00",
        "power_factor_adjustment": "-50.00",
    }
    row.update(fields)
    return row


# --- bills -----------------------------------------------------------------------------------


def test_bills_have_the_fields_and_formats_of_the_contract(api, customer_for, mgr_a, pay):
    customer = customer_for(mgr_a)
    BillFactory(
        customer=customer,
        period=month("2025-03"),
        issue_date=dt.date(2025, 4, 5),
        due_date=dt.date(2025, 4, 25),
        total=Decimal("1000.00"),
    )
    pay(customer, "250.5", day="2025-05-05")

    row = api(mgr_a).get("/api/v1/bills/").json()["results"][0]

    assert {
        k: row[k]
        for k in (
            "customer",
            "period",
            "issue_date",
            "due_date",
            "total",
            "paid",
            "outstanding",
            "status",
            "days_past_due",
            "late_fee",
        )
    } == {
        "customer": customer.pk,
        "period": "2025-03",
        "issue_date": "2025-04-05",
        "due_date": "2025-04-25",
        "total": "1000.00",
        "paid": "250.50",
        "outstanding": "749.50",
        "status": "partially_paid",
        "days_past_due": 39,
        # 1000 × 2‰ × 10 days (to 05-05) + 749.50 × 2‰ × 29 days
        "late_fee": "63.47",
    }
    assert {"energy_kwh", "basic_charge", "energy_charge", "power_factor_adjustment"} <= set(row)


def test_the_bill_list_runs_a_fixed_number_of_queries(
    api, customer_for, mgr_a, pay, django_assert_max_num_queries
):
    for _i in range(6):
        customer = customer_for(mgr_a)
        for m in (1, 2, 3):
            BillFactory(customer=customer, period=month(f"2025-0{m}"))
        pay(customer, "1500.00", day="2025-04-01")
    client = api(mgr_a)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/bills/?page_size=100")
    assert response.json()["count"] == 18


def test_posting_a_bill_creates_then_updates_it(api, customer_for, integration):
    customer = customer_for(None)
    client = api(integration)
    first = client.post("/api/v1/bills/", bill_row(customer), format="json")
    assert first.status_code == 201
    assert first.json()["total"] == "9950.00"

    again = client.post("/api/v1/bills/", bill_row(customer), format="json")
    assert again.status_code == 200
    changed = client.post(
        "/api/v1/bills/", bill_row(customer, other_charges="100.00"), format="json"
    )
    assert (changed.status_code, changed.json()["total"]) == (200, "10050.00")
    assert Bill.objects.count() == 1


def test_a_bad_bill_gets_field_errors(api, customer_for, integration):
    customer = customer_for(None)
    response = api(integration).post(
        "/api/v1/bills/", bill_row(customer, period="2025/13", due_date="2025-05-01"), format="json"
    )
    assert response.status_code == 400
    assert "period" in response.json()


def test_managers_cannot_push_bills(api, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    assert api(mgr_a).post("/api/v1/bills/", bill_row(customer), format="json").status_code == 403


def test_an_import_of_good_rows_creates_and_updates(api, customer_for, integration):
    a, b = customer_for(None), customer_for(None)
    BillFactory(customer=a, period=month("2025-03"), total=Decimal("1.00"))
    rows = [bill_row(a, "2025-03"), bill_row(a), bill_row(b)]
    response = api(integration).post("/api/v1/bills/import/", rows, format="json")
    assert response.status_code == 200
    assert response.json() == {"created": 2, "updated": 1, "unchanged": 0, "errors": []}


def test_a_reimport_is_a_no_op(api, customer_for, integration):
    customer = customer_for(None)
    rows = [bill_row(customer, "2025-03"), bill_row(customer, "2025-04")]
    client = api(integration)
    client.post("/api/v1/bills/import/", rows, format="json")
    before = list(Bill.objects.values_list("pk", "updated_at"))
    response = client.post("/api/v1/bills/import/", rows, format="json")
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}
    assert list(Bill.objects.values_list("pk", "updated_at")) == before


def test_an_import_with_bad_and_duplicate_rows_writes_nothing(api, customer_for, integration):
    customer = customer_for(None)
    rows = [
        bill_row(customer, "2025-03"),
        bill_row(customer, "2025-03"),  # duplicate of row 1
        bill_row(customer, "2025-04", account_no="nope"),  # unknown customer
        bill_row(customer, "2025-05", total="1.00"),  # total does not add up
        "not a row",
    ]
    response = api(integration).post("/api/v1/bills/import/", rows, format="json")
    assert response.status_code == 400
    body = response.json()
    assert (body["created"], body["updated"]) == (0, 0)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (2, "period"),
        (3, "account_no"),
        (4, "total"),
        (5, ""),
    ]
    assert not Bill.objects.exists()


def test_a_partial_import_writes_the_good_rows(api, customer_for, integration):
    customer = customer_for(None)
    rows = [bill_row(customer, "2025-03"), bill_row(customer, "2025-13")]
    response = api(integration).post("/api/v1/bills/import/?partial=true", rows, format="json")
    assert response.status_code == 200
    assert response.json()["created"] == 1
    assert [e["row"] for e in response.json()["errors"]] == [2]
    assert Bill.objects.count() == 1


@pytest.mark.parametrize("body", [{"account_no": "x"}, "text", 42, None])
def test_an_import_that_is_not_a_list_is_refused(api, integration, body):
    response = api(integration).post("/api/v1/bills/import/", body, format="json")
    assert response.status_code == 400


# --- payments --------------------------------------------------------------------------------


def test_a_payment_posted_twice_is_recorded_once(api, customer_for, integration):
    customer = customer_for(None)
    BillFactory(customer=customer, period=month("2025-03"), total=Decimal("300.00"))
    BillFactory(customer=customer, period=month("2025-04"), total=Decimal("300.00"))
    body = {
        "account_no": customer.account_no,
        "amount": "400.00",
        "paid_at": "2025-06-01T10:00:00+08:00",
        "channel": "bank",
        "reference": "B-1",
    }
    client = api(integration)
    first = client.post("/api/v1/payments/", body, format="json")
    second = client.post("/api/v1/payments/", body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["amount"] == "400.00"
    assert first.json()["allocations"] == [
        {
            "bill": customer.bills.get(period=month("2025-03")).pk,
            "period": "2025-03",
            "amount": "300.00",
        },
        {
            "bill": customer.bills.get(period=month("2025-04")).pk,
            "period": "2025-04",
            "amount": "100.00",
        },
    ]
    assert Payment.objects.count() == 1


def test_a_reference_reused_for_another_amount_is_refused(api, customer_for, integration):
    customer = customer_for(None)
    client = api(integration)
    body = {"customer": customer.pk, "amount": "10.00", "channel": "bank", "reference": "R"}
    client.post("/api/v1/payments/", body, format="json")
    response = client.post("/api/v1/payments/", {**body, "amount": "11.00"}, format="json")
    assert response.status_code == 400
    assert "reference" in response.json()


def test_a_reversed_payment_has_no_allocations(api, customer_for, integration, sup_east, pay):
    customer = customer_for(None)
    BillFactory(customer=customer, total=Decimal("100.00"))
    payment = pay(customer, "100.00")
    response = api(sup_east).post(
        f"/api/v1/payments/{payment.pk}/reverse/", {"reason": "退票"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["reversed"], response.json()["allocations"]) == (True, [])
    again = api(sup_east).post(f"/api/v1/payments/{payment.pk}/reverse/", {}, format="json")
    assert again.status_code == 409


def test_a_manager_cannot_reverse_a_payment(api, customer_for, mgr_a, pay):
    customer = customer_for(mgr_a)
    payment = pay(customer, "10.00")
    assert api(mgr_a).post(f"/api/v1/payments/{payment.pk}/reverse/").status_code == 403


def test_a_manager_records_a_counter_payment_for_their_customer_only(
    api, customer_for, mgr_a, mgr_b
):
    mine, theirs = customer_for(mgr_a), customer_for(mgr_b)
    body = {"amount": "10.00", "channel": "counter", "reference": "C-1"}
    client = api(mgr_a)
    assert (
        client.post("/api/v1/payments/", {**body, "customer": mine.pk}, format="json").status_code
        == 201
    )
    refused = client.post(
        "/api/v1/payments/", {**body, "customer": theirs.pk, "reference": "C-2"}, format="json"
    )
    assert refused.status_code == 400 and "customer" in refused.json()


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "-1", "channel": "bank", "reference": "x"},
        {"amount": "abc", "channel": "bank", "reference": "x"},
        {"amount": "1", "channel": "cash", "reference": "x"},
        {"amount": "1", "channel": "bank", "reference": ""},
        {"amount": "1", "channel": "bank", "reference": "x", "paid_at": "2099-01-01T00:00:00Z"},
        {"amount": "1", "channel": "bank", "reference": "x", "account_no": "missing"},
        {"amount": "99999999999999999", "channel": "bank", "reference": "x"},
    ],
)
def test_bad_payments_get_a_400(api, customer_for, integration, body):
    customer = customer_for(None)
    body = {"customer": customer.pk, **body}
    if "account_no" in body:
        body.pop("customer")
    response = api(integration).post("/api/v1/payments/", body, format="json")
    assert response.status_code == 400
    assert not Payment.objects.exists()


# --- arrears ---------------------------------------------------------------------------------


def test_arrears_rows_have_aging_days_and_late_fee(api, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    # due 2025-05-04 → 30 days; 2025-05-03 → 31 days; 2025-02-01 → 122 days; one not yet due
    for period, due, total in (
        ("2025-04", "2025-05-04", "100.00"),
        ("2025-03", "2025-05-03", "200.00"),
        ("2025-01", "2025-02-01", "400.00"),
        ("2025-05", "2025-06-25", "800.00"),
    ):
        BillFactory(
            customer=customer,
            period=month(period),
            due_date=dt.date.fromisoformat(due),
            issue_date=dt.date.fromisoformat(due) - dt.timedelta(days=1),
            total=Decimal(total),
        )
    row = api(mgr_a).get("/api/v1/arrears/").json()["results"][0]
    assert {
        k: row[k] for k in ("customer", "outstanding", "oldest_due_date", "days_past_due", "aging")
    } == {
        "customer": customer.pk,
        "outstanding": "1500.00",
        "oldest_due_date": "2025-02-01",
        "days_past_due": 122,
        "aging": {"1_30": "100.00", "31_60": "200.00", "61_90": "0.00", "over_90": "400.00"},
    }
    # 100×2‰×30 + 200×2‰×31 + 400×2‰×122 = 6 + 12.40 + 97.60
    assert row["late_fee"] == "116.00"


def test_a_customer_with_only_current_bills_has_no_arrears(api, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    BillFactory(
        customer=customer,
        period=month("2025-05"),
        issue_date=dt.date(2025, 6, 1),
        due_date=dt.date(2025, 6, 3),
    )  # due today
    assert api(mgr_a).get("/api/v1/arrears/").json()["count"] == 0


def test_arrears_order_by_age_and_filter_by_amount(api, customer_for, mgr_a):
    old = customer_for(mgr_a)
    BillFactory(customer=old, period=month("2025-01"), total=Decimal("50.00"))
    big = customer_for(mgr_a)
    BillFactory(customer=big, period=month("2025-04"), total=Decimal("5000.00"))
    client = api(mgr_a)
    by_age = client.get("/api/v1/arrears/?ordering=-days_past_due").json()["results"]
    assert [r["customer"] for r in by_age] == [old.pk, big.pk]
    by_amount = client.get("/api/v1/arrears/?ordering=-outstanding").json()["results"]
    assert [r["customer"] for r in by_amount] == [big.pk, old.pk]
    assert [
        r["customer"] for r in client.get("/api/v1/arrears/?min_outstanding=100").json()["results"]
    ] == [big.pk]


def test_the_arrears_list_runs_a_fixed_number_of_queries(
    api, customer_for, mgr_a, pay, django_assert_max_num_queries
):
    for _i in range(7):
        customer = customer_for(mgr_a)
        BillFactory(customer=customer, period=month("2025-01"))
        BillFactory(customer=customer, period=month("2025-02"))
        pay(customer, "300.00", day="2025-03-10")
    client = api(mgr_a)
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/arrears/")
    assert response.json()["count"] == 7


# --- collection ------------------------------------------------------------------------------


def test_actions_are_recorded_and_their_delivery_patched(api, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    client = api(mgr_a)
    created = client.post(
        "/api/v1/collection-actions/",
        {
            "customer": customer.pk,
            "kind": "disconnection_notice",
            "at": "2025-06-02T10:00:00+08:00",
            "outcome": "已送达财务部",
        },
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["delivered_at"] is None
    patched = client.patch(
        f"/api/v1/collection-actions/{created.json()['id']}/",
        {
            "delivered_at": "2025-06-02T15:00:00+08:00",
            "delivery_method": "in_person",
            "delivered_to": "王会计",
        },
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["delivered_at"] == "2025-06-02T15:00:00+08:00"


def test_a_call_has_no_delivery_time(api, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    response = api(mgr_a).post(
        "/api/v1/collection-actions/",
        {"customer": customer.pk, "kind": "call", "delivered_at": "2025-06-02T15:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 400 and "delivered_at" in response.json()


def test_a_promise_is_pending_until_checked(api, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    BillFactory(customer=customer)
    response = api(mgr_a).post(
        "/api/v1/promises/",
        {"customer": customer.pk, "amount": "500.00", "due_date": "2025-06-10", "status": "kept"},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["amount"]) == ("pending", "500.00")


def test_a_promise_in_the_past_is_refused(api, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    BillFactory(customer=customer)
    response = api(mgr_a).post(
        "/api/v1/promises/",
        {"customer": customer.pk, "amount": "500.00", "due_date": "2025-06-01"},
        format="json",
    )
    assert response.status_code == 400 and "due_date" in response.json()


# --- disconnections --------------------------------------------------------------------------


@pytest.fixture
def ready(customer_for, mgr_a):
    """A customer that may be disconnected on Thu 2025-06-05."""

    def make(**fields):
        customer = customer_for(mgr_a, **fields)
        BillFactory(customer=customer, period=month("2025-03"), total=Decimal("5000.00"))
        ActionFactory(customer=customer, kind="sms", at=at("2025-05-01"))
        notice = NoticeFactory(customer=customer, at=at("2025-05-20"))
        return customer, notice

    return make


def test_the_disconnection_procedure_through_the_api(api, ready, mgr_a, sup_east, clock):
    customer, notice = ready()
    created = api(mgr_a).post(
        "/api/v1/disconnections/",
        {"customer": customer.pk, "scheduled_for": "2025-06-05", "notice": notice.pk},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["notice"], body["approved_by"]) == ("requested", notice.pk, None)
    url = f"/api/v1/disconnections/{body['id']}"
    assert api(mgr_a).post(f"{url}/approve/").status_code == 403
    assert api(mgr_a).post(f"{url}/execute/").status_code == 409
    approved = api(sup_east).post(f"{url}/approve/")
    assert (approved.status_code, approved.json()["approved_by"]) == (200, sup_east.pk)

    clock("2025-06-05 10:00")
    ActionFactory(customer=customer, kind="call", at=at("2025-06-05", 9))
    executed = api(mgr_a).post(f"{url}/execute/")
    assert (executed.status_code, executed.json()["status"]) == (200, "executed")
    assert api(mgr_a).post(f"{url}/cancel/").status_code == 409

    clock("2025-06-05 16:00")
    api(mgr_a).post(
        "/api/v1/payments/",
        {"customer": customer.pk, "amount": "5000.00", "channel": "counter", "reference": "G-9"},
        format="json",
    )
    detail = api(mgr_a).get(f"{url}/").json()
    assert detail["reconnect_due"] == "2025-06-06T16:00:00+08:00"
    reconnected = api(mgr_a).post(f"{url}/reconnect/")
    assert (reconnected.json()["status"], reconnected.json()["reconnection_overdue"]) == (
        "reconnected",
        False,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scheduled_for": "2025-06-07"}, "scheduled_for"),  # a Saturday
        ({"scheduled_for": "2025-06-02"}, "scheduled_for"),  # in the past
        ({"scheduled_for": "06/05/2025"}, "scheduled_for"),  # not a date
        ({"notice": "CALL"}, "notice"),  # a call is not a notice
        ({"notice": 999999}, "notice"),  # no such notice
    ],
)
def test_a_refused_request_is_a_400_with_its_reason(api, ready, mgr_a, change, field):
    customer, _notice = ready()
    if change.get("notice") == "CALL":
        change = {"notice": CollectionAction.objects.get(customer=customer, kind="sms").pk}
    response = api(mgr_a).post(
        "/api/v1/disconnections/",
        {"customer": customer.pk, "scheduled_for": "2025-06-05", **change},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Disconnection.objects.exists()


def test_a_request_without_arrears_is_refused_with_a_reason(api, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    response = api(mgr_a).post(
        "/api/v1/disconnections/",
        {"customer": customer.pk, "scheduled_for": "2025-06-16"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_overdue"


def test_an_important_customer_needs_authority_informed_at(api, ready, mgr_a, sup_east):
    customer, _notice = ready(importance="special")
    created = (
        api(mgr_a)
        .post(
            "/api/v1/disconnections/",
            {"customer": customer.pk, "scheduled_for": "2025-06-05"},
            format="json",
        )
        .json()
    )
    url = f"/api/v1/disconnections/{created['id']}/approve/"
    refused = api(sup_east).post(url, {}, format="json")
    assert refused.status_code == 400 and "authority_informed_at" in refused.json()
    ok = api(sup_east).post(
        url, {"authority_informed_at": "2025-06-03T08:00:00+08:00"}, format="json"
    )
    assert ok.status_code == 200


# --- authentication and scoping -------------------------------------------------------------

LISTS = ["bills", "payments", "arrears", "collection-actions", "promises", "disconnections"]


@pytest.mark.parametrize("path", LISTS)
def test_anonymous_callers_get_401(api, path):
    assert api().get(f"/api/v1/{path}/").status_code == 401


@pytest.fixture
def foreign_rows(customer_for, mgr_b, ready):
    """One row of every kind for a customer of mgr_b."""
    customer, _notice = ready()
    from customers.portfolios import assign_customer

    assign_customer(customer, manager=mgr_b, start=dt.date(2025, 6, 3), acting_user=SYSTEM)
    payment = Payment.objects.create(
        customer=customer,
        amount=Decimal("1"),
        channel="bank",
        reference="F",
        paid_at=at("2025-06-01"),
    )
    promise = PaymentPromise.objects.create(
        customer=customer, amount=Decimal("1"), due_date=dt.date(2025, 6, 30)
    )
    from billing.disconnections import request_disconnection

    disconnection = request_disconnection(
        customer, scheduled_for=dt.date(2025, 6, 5), acting_user=mgr_b
    )
    return {
        "bills": customer.bills.get().pk,
        "payments": payment.pk,
        "collection-actions": CollectionAction.objects.filter(customer=customer)[0].pk,
        "promises": promise.pk,
        "disconnections": disconnection.pk,
        "arrears": None,
        "customer": customer.pk,
    }


@pytest.mark.parametrize("path", LISTS)
def test_a_manager_sees_nothing_of_another_managers_customer(api, mgr_a, mgr_b, foreign_rows, path):
    assert api(mgr_a).get(f"/api/v1/{path}/").json()["count"] == 0
    assert api(mgr_b).get(f"/api/v1/{path}/").json()["count"] >= 1
    if foreign_rows[path] is not None:
        assert api(mgr_a).get(f"/api/v1/{path}/{foreign_rows[path]}/").status_code == 404


@pytest.mark.parametrize("path", LISTS)
def test_a_supervisor_of_another_region_sees_nothing(api, foreign_rows, mgr_c, path):
    from tests.factories import UserFactory

    west_sup = UserFactory(username="sup_west", region=mgr_c.region, role="supervisor")
    assert api(west_sup).get(f"/api/v1/{path}/").json()["count"] == 0


@pytest.mark.parametrize("action", ["approve", "execute", "cancel", "reconnect"])
def test_actions_on_a_foreign_disconnection_are_not_found(api, foreign_rows, mgr_a, action):
    url = f"/api/v1/disconnections/{foreign_rows['disconnections']}/{action}/"
    assert api(mgr_a).post(url).status_code in (403, 404)


def test_the_auditor_reads_everything_and_writes_nothing(api, foreign_rows, auditor):
    assert api(auditor).get("/api/v1/bills/").json()["count"] == 1
    response = api(auditor).post(
        "/api/v1/payments/",
        {"customer": foreign_rows["customer"], "amount": "1", "channel": "bank", "reference": "A"},
        format="json",
    )
    assert response.status_code == 403


def test_the_customer_api_shows_the_outstanding_amount(
    api, customer_for, mgr_a, pay, django_assert_max_num_queries
):
    customers = [customer_for(mgr_a) for _i in range(4)]
    for customer in customers:
        BillFactory(customer=customer, period=month("2025-04"), total=Decimal("800.00"))
        BillFactory(customer=customer, period=month("2025-05"), total=Decimal("700.00"))
    pay(customers[0], "1000.00")
    client = api(mgr_a)
    with django_assert_max_num_queries(6):
        rows = client.get("/api/v1/customers/").json()["results"]
    outstanding = {r["id"]: r["outstanding"] for r in rows}
    assert outstanding[customers[0].pk] == "500.00"
    assert outstanding[customers[1].pk] == "1500.00"
    single = client.get(f"/api/v1/customers/{customers[0].pk}/").json()
    assert single["outstanding"] == "500.00"


@pytest.fixture
def busy_portfolio(customer_for, mgr_a, sup_east, pay):
    """Five customers of mgr_a, each with bills, payments, actions, a promise and a
    disconnection (approved), so that every list has several rows with related rows."""
    from billing.disconnections import approve_disconnection, request_disconnection

    for i in range(5):
        customer = customer_for(mgr_a)
        BillFactory(customer=customer, period=month("2025-02"), total=Decimal("5000.00"))
        BillFactory(customer=customer, period=month("2025-03"), total=Decimal("5000.00"))
        pay(customer, "2000.00", day="2025-03-01", reference=f"LIST-{i}-a")
        pay(customer, "1000.00", day="2025-04-01", reference=f"LIST-{i}-b")
        ActionFactory(customer=customer, kind="call", at=at("2025-04-10"))
        NoticeFactory(customer=customer, at=at("2025-05-20"))
        PaymentPromise.objects.create(
            customer=customer, amount=Decimal("100"), due_date=dt.date(2025, 6, 20)
        )
        d = request_disconnection(customer, scheduled_for=dt.date(2025, 6, 5), acting_user=mgr_a)
        approve_disconnection(d, acting_user=sup_east)


@pytest.mark.parametrize("path", LISTS)
def test_every_list_runs_a_fixed_number_of_queries(
    api, busy_portfolio, mgr_a, path, django_assert_max_num_queries
):
    client = api(mgr_a)
    with django_assert_max_num_queries(7):
        response = client.get(f"/api/v1/{path}/")
    assert response.status_code == 200
    assert response.json()["count"] >= 5


def test_the_written_out_payment_answer_is_what_the_declared_fields_give(
    api, customer_for, integration, pay, django_assert_num_queries
):
    customer = customer_for(None)
    BillFactory(customer=customer, period=month("2025-01"), total=Decimal("100.00"))
    BillFactory(customer=customer, period=month("2025-02"), total=Decimal("100.00"))
    pay(customer, "150.00", day="2025-03-01")  # two allocations
    pay(customer, "0.50", day="2025-03-02")  # credit: none
    reversed_one = pay(customer, "20.00", day="2025-03-03")
    payment_services.reverse_payment(reversed_one, reason="退票", acting_user=SYSTEM)
    answers = api(integration).get("/api/v1/payments/").json()["results"]
    assert len(answers) == 3
    serializer = PaymentSerializer()
    for payment in Payment.objects.select_related("customer").prefetch_related("allocations__bill"):
        assert serializer.to_representation(payment) == serializer.declared_representation(payment)
    by_id = {row["id"]: row for row in answers}
    assert by_id[reversed_one.pk]["reversed"] is True
    assert len(max(answers, key=lambda row: len(row["allocations"]))["allocations"]) == 2
    # The count, the page's ids, the payments with their customers, the allocations with
    # their bills.
    client = api(integration)
    with django_assert_num_queries(4):
        client.get("/api/v1/payments/")
