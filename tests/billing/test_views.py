"""Billing pages: arrears list (scoping, sort, filter, export), the 360 tab, forms, imports."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Bill, Disconnection, ImportBatch, Payment
from tests.billing.conftest import at
from tests.billing.factories import ActionFactory, BillFactory, NoticeFactory, month

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(clock):
    return clock("2025-06-03 09:00")


def overdue_customer(customer_for, manager, *, total="1000.00", due="2025-04-25", **fields):
    customer = customer_for(manager, **fields)
    due_date = dt.date.fromisoformat(due)
    BillFactory(
        customer=customer,
        period=month(f"{due_date.year}-{due_date.month - 1:02d}"),
        issue_date=due_date - dt.timedelta(days=20),
        due_date=due_date,
        total=Decimal(total),
    )
    return customer


def logged_in(client, user):
    client.force_login(user)
    return client


def test_the_arrears_list_shows_a_managers_own_customers_only(
    client, today, customer_for, mgr_a, mgr_b
):
    mine = overdue_customer(customer_for, mgr_a, name="甲方企业")
    overdue_customer(customer_for, mgr_b, name="乙方企业")
    response = logged_in(client, mgr_a).get(reverse("billing:arrears"))
    assert response.status_code == 200
    assert [r.customer_id for r in response.context["rows"]] == [mine.pk]
    assert "乙方企业" not in response.content.decode()


def test_a_supervisor_sees_their_region(client, today, customer_for, mgr_a, mgr_c, sup_east):
    east = overdue_customer(customer_for, mgr_a)
    overdue_customer(customer_for, mgr_c)  # west
    response = logged_in(client, sup_east).get(reverse("billing:arrears"))
    assert [r.customer_id for r in response.context["rows"]] == [east.pk]


def test_the_arrears_list_sorts_by_amount_and_by_age(client, today, customer_for, mgr_a):
    small_old = overdue_customer(customer_for, mgr_a, total="100.00", due="2025-02-25")
    big_new = overdue_customer(customer_for, mgr_a, total="9000.00", due="2025-05-25")
    client = logged_in(client, mgr_a)
    by_amount = client.get(reverse("billing:arrears"), {"o": "-amount"}).context["rows"]
    by_age = client.get(reverse("billing:arrears"), {"o": "-age"}).context["rows"]
    assert [r.customer_id for r in by_amount] == [big_new.pk, small_old.pk]
    assert [r.customer_id for r in by_age] == [small_old.pk, big_new.pk]
    assert by_age[0].days_past_due == 98


def test_the_arrears_list_filters_by_aging_bucket(client, today, customer_for, mgr_a):
    old = overdue_customer(customer_for, mgr_a, due="2025-02-25")  # 98 days
    overdue_customer(customer_for, mgr_a, due="2025-05-25")  # 9 days
    rows = (
        logged_in(client, mgr_a)
        .get(reverse("billing:arrears"), {"aging": "over_90"})
        .context["rows"]
    )
    assert [r.customer_id for r in rows] == [old.pk]


def test_the_arrears_list_runs_a_fixed_number_of_queries(
    client, today, customer_for, mgr_a, django_assert_max_num_queries, pay
):
    for i in range(8):
        customer = overdue_customer(customer_for, mgr_a, total=f"{1000 + i}.00")
        pay(customer, "100.00", day="2025-05-01")
    client = logged_in(client, mgr_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("billing:arrears"))
    assert len(response.context["rows"]) == 8


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_arrears_list_exports(client, today, customer_for, mgr_a, fmt):
    overdue_customer(customer_for, mgr_a, name="导出企业", total="1234.50")
    response = logged_in(client, mgr_a).get(reverse("billing:arrears"), {"export": fmt})
    assert response.status_code == 200
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        assert "导出企业" in text and "1234.50" in text
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content)).active
        values = [c.value for c in sheet[2]]
        assert "导出企业" in values and Decimal("1234.50") in [
            Decimal(str(v)) for v in values if isinstance(v, (int, float))
        ]


def test_the_arrears_tab_shows_the_account_in_a_fixed_number_of_queries(
    client, today, customer_for, mgr_a, pay, django_assert_max_num_queries
):
    customer = customer_for(mgr_a)
    for m in range(1, 6):
        BillFactory(
            customer=customer,
            period=month(f"2025-0{m}"),
            issue_date=dt.date(2025, m, 28),
            due_date=dt.date(2025, m, 28),
            total=Decimal("500.00"),
        )
    for day in ("2025-02-01", "2025-03-15", "2025-04-20"):
        pay(customer, "400.00", day=day)
    ActionFactory(customer=customer, kind="call", at=at("2025-05-01"))
    client = logged_in(client, mgr_a)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("billing:customer_arrears_tab", args=[customer.pk]))
    assert response.status_code == 200
    account = response.context["account"]
    assert account.outstanding == Decimal("1300.00")
    assert len(account.bills) == 5 and len(account.payments) == 3
    assert 'data-testid="late-fee"' in response.content.decode()


def test_another_managers_customer_tab_is_not_found(client, today, customer_for, mgr_a, mgr_b):
    customer = customer_for(mgr_b)
    response = logged_in(client, mgr_a).get(
        reverse("billing:customer_arrears_tab", args=[customer.pk])
    )
    assert response.status_code == 404


def test_a_counter_payment_is_recorded_from_the_form(client, today, customer_for, mgr_a):
    customer = overdue_customer(customer_for, mgr_a)
    response = logged_in(client, mgr_a).post(
        reverse("billing:payment_create", args=[customer.pk]),
        {
            "amount": "400.00",
            "paid_at": "2025-06-03T08:30",
            "channel": "counter",
            "reference": "GT-0001",
        },
    )
    assert response.status_code == 302
    payment = Payment.objects.get(reference="GT-0001")
    assert payment.allocations.get().amount == Decimal("400.00")


def test_the_payment_form_shows_field_errors(client, today, customer_for, mgr_a):
    customer = overdue_customer(customer_for, mgr_a)
    response = logged_in(client, mgr_a).post(
        reverse("billing:payment_create", args=[customer.pk]),
        {"amount": "-5", "paid_at": "2030-01-01T00:00", "channel": "counter", "reference": ""},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"amount", "reference"}
    assert not Payment.objects.exists()


def test_a_payment_in_the_future_is_refused_on_its_field(client, today, customer_for, mgr_a):
    customer = overdue_customer(customer_for, mgr_a)
    response = logged_in(client, mgr_a).post(
        reverse("billing:payment_create", args=[customer.pk]),
        {"amount": "5", "paid_at": "2030-01-01T00:00", "channel": "counter", "reference": "X"},
    )
    assert list(response.context["form"].errors) == ["paid_at"]


def test_an_auditor_cannot_record_a_payment(client, today, customer_for, mgr_a, auditor):
    customer = overdue_customer(customer_for, mgr_a)
    response = logged_in(client, auditor).get(reverse("billing:payment_create", args=[customer.pk]))
    assert response.status_code == 403


def test_a_disconnection_request_lists_every_problem(client, today, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    response = logged_in(client, mgr_a).post(
        reverse("billing:disconnection_request", args=[customer.pk]),
        {"scheduled_for": "2025-06-07", "reason": ""},
    )
    form = response.context["form"]
    assert "scheduled_for" in form.errors and "notice" in form.errors
    assert len(form.non_field_errors()) == 1  # no bill more than 30 days past due
    assert not Disconnection.objects.exists()


def test_a_disconnection_is_requested_approved_and_printed(
    client, today, customer_for, mgr_a, sup_east
):
    customer = overdue_customer(customer_for, mgr_a)
    ActionFactory(
        customer=customer,
        kind="payment_reminder",
        at=at("2025-05-05"),
        delivered_at=at("2025-05-06"),
        delivery_method="registered_mail",
    )
    NoticeFactory(customer=customer, at=at("2025-05-20"))
    response = logged_in(client, mgr_a).post(
        reverse("billing:disconnection_request", args=[customer.pk]),
        {"scheduled_for": "2025-06-05", "reason": "多次催缴未果"},
    )
    disconnection = Disconnection.objects.get()
    assert response.url == reverse("billing:disconnection_detail", args=[disconnection.pk])

    page = logged_in(client, mgr_a).get(response.url)
    assert "approve" not in page.context["forms"]  # managers do not approve

    client.force_login(sup_east)
    response = client.post(response.url, {"action": "approve", "approve-note": "同意"})
    assert response.status_code == 302
    disconnection.refresh_from_db()
    assert disconnection.status == "approved"

    evidence = client.get(reverse("billing:disconnection_evidence", args=[disconnection.pk]))
    body = evidence.content.decode()
    assert evidence.status_code == 200
    assert customer.account_no in body and "东区主管" in body


def test_the_evidence_pack_lists_the_bills_due_on_the_local_day_of_the_request(
    client, clock, customer_for, mgr_a, sup_east
):
    """At 07:00 in Shanghai it is still the day before in UTC: a bill due on the request's own
    (Shanghai) day belongs to the pack."""
    from billing.disconnections import request_disconnection

    clock("2025-06-03 07:00")
    customer = overdue_customer(customer_for, mgr_a)  # due 2025-04-25
    due_today = BillFactory(
        customer=customer,
        period=month("2025-04"),
        issue_date=dt.date(2025, 5, 14),
        due_date=dt.date(2025, 6, 3),
    )
    ActionFactory(customer=customer, kind="call", at=at("2025-05-05"))
    NoticeFactory(customer=customer, at=at("2025-05-20"))
    d = request_disconnection(customer, scheduled_for=dt.date(2025, 6, 5), acting_user=mgr_a)
    response = logged_in(client, sup_east).get(
        reverse("billing:disconnection_evidence", args=[d.pk])
    )
    assert response.status_code == 200
    assert [b.due_date for b in response.context["bills"]] == [
        dt.date(2025, 4, 25),
        due_today.due_date,
    ]


def test_a_manager_posting_approve_is_forbidden(client, today, customer_for, mgr_a):
    customer = overdue_customer(customer_for, mgr_a)
    ActionFactory(customer=customer, kind="call", at=at("2025-05-05"))
    NoticeFactory(customer=customer, at=at("2025-05-20"))
    from billing.disconnections import request_disconnection

    d = request_disconnection(customer, scheduled_for=dt.date(2025, 6, 5), acting_user=mgr_a)
    response = logged_in(client, mgr_a).post(
        reverse("billing:disconnection_detail", args=[d.pk]), {"action": "approve"}
    )
    assert response.status_code == 403


# --- imports ---------------------------------------------------------------------------------


def upload(client, kind, content: bytes, name="bills.csv", partial=False):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data: dict[str, SimpleUploadedFile | str] = {"file": SimpleUploadedFile(name, content)}
    if partial:
        data["partial"] = "on"
    return client.post(reverse("billing:import_upload", args=[kind]), data)


def test_a_bill_file_is_previewed_then_committed(client, today, customer_for, admin_user):
    customer = customer_for(None)
    csv_text = (
        "户号,账期,发行日期,缴费截止日期,电量,电度电费,基本电费\n"
        f"{customer.account_no},2025-04,2025-05-05,2025-05-25,12000,9000.00,1000.00\n"
    )
    client = logged_in(client, admin_user)
    response = upload(client, "bills", csv_text.encode("gb18030"))
    preview = client.get(response.url)
    assert preview.context["result"].created == 1
    assert not Bill.objects.exists()  # a preview writes nothing

    committed = client.post(response.url)
    assert committed.status_code == 302
    bill = Bill.objects.get()
    assert (bill.total, bill.period) == (Decimal("10000.00"), dt.date(2025, 4, 1))
    assert ImportBatch.objects.get().status == "committed"


def test_a_file_with_a_bad_row_is_refused_whole_with_row_numbers(
    client, today, customer_for, admin_user
):
    customer = customer_for(None)
    csv_text = (
        "account_no,period,issue_date,due_date,energy_kwh,energy_charge\n"
        f"{customer.account_no},2025-04,2025-05-05,2025-05-25,100,80.00\n"
        "\n"
        f"{customer.account_no},2025-13,2025-05-05,2025-05-25,100,80.00\n"
    )
    client = logged_in(client, admin_user)
    response = upload(client, "bills", csv_text.encode())
    preview = client.get(response.url)
    errors = preview.context["result"].errors
    assert [(e["row"], e["field"]) for e in errors] == [(4, "period")]  # row 3 was blank
    assert not preview.context["can_commit"]
    committed = client.post(response.url)
    assert committed.status_code == 200
    assert not Bill.objects.exists()


def test_an_excel_payment_file_is_imported(client, today, customer_for, admin_user):
    from openpyxl import Workbook

    customer = overdue_customer(customer_for, None)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["account_no", "amount", "paid_at", "channel", "reference"])
    sheet.append([customer.account_no, 600, dt.datetime(2025, 6, 1, 9, 30), "bank", "BK-77"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = logged_in(client, admin_user)
    response = upload(client, "payments", buffer.getvalue(), name="pay.xlsx")
    client.post(response.url)
    payment = Payment.objects.get(reference="BK-77")
    assert payment.amount == Decimal("600.00")
    assert payment.allocations.get().amount == Decimal("600.00")


def test_a_manager_cannot_import(client, today, mgr_a):
    assert (
        logged_in(client, mgr_a).get(reverse("billing:import_upload", args=["bills"])).status_code
        == 403
    )


def test_pages_and_refusals_speak_chinese_by_default(client, api, today, customer_for, mgr_a):
    overdue_customer(customer_for, mgr_a)
    body = logged_in(client, mgr_a).get(reverse("billing:arrears")).content.decode()
    assert "逾期天数" in body and "电费违约金" in body
    refused = api(mgr_a).post(
        "/api/v1/disconnections/",
        {"customer": customer_for(mgr_a).pk, "scheduled_for": "2025-06-16"},
        format="json",
    )
    assert refused.json()["detail"] == "该客户没有逾期超过 30 天的电费账单。"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bills.csv", b"account_no,period\n31\x0000,2025-01\n"),
        ("bills.xlsx", b"not a workbook"),
        ("bills.pdf", b"%PDF-1.4"),
        ("bills.csv", b""),
        ("bills.csv", b"name,amount\nx,1\n"),
    ],
)
def test_an_unreadable_file_is_refused_on_the_form(client, today, admin_user, name, content):
    response = upload(logged_in(client, admin_user), "bills", content, name=name)
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not ImportBatch.objects.exists()


def test_uploading_the_same_file_again_changes_nothing(client, today, customer_for, admin_user):
    customer = customer_for(None)
    content = (
        "account_no,period,issue_date,due_date,energy_kwh,energy_charge\n"
        f"{customer.account_no},2025-04,2025-05-05,2025-05-25,100,80.00\n"
        f"{customer.account_no},2025-04,2025-05-05,2025-05-25,100,80.00\n"
    ).encode()
    client = logged_in(client, admin_user)
    first = upload(client, "bills", content, partial=True)
    preview = client.get(first.url + "?partial=1")
    assert [(e["row"], e["field"]) for e in preview.context["result"].errors] == [(3, "period")]
    client.post(first.url, {"partial": "1"})
    assert Bill.objects.count() == 1

    again = client.get(upload(client, "bills", content, partial=True).url + "?partial=1")
    assert (again.context["result"].created, again.context["result"].unchanged) == (0, 1)
    assert not again.context["can_commit"]


@pytest.mark.parametrize(
    "url_name", ["payment_create", "action_create", "promise_create", "disconnection_request"]
)
def test_an_empty_form_shows_what_is_required(client, today, customer_for, mgr_a, url_name):
    customer = customer_for(mgr_a)
    response = logged_in(client, mgr_a).post(reverse(f"billing:{url_name}", args=[customer.pk]), {})
    assert response.status_code == 200
    assert response.context["form"].errors
