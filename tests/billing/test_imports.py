"""Bill imports at volume: the fast row check agrees with the form, a large import upserts in a
fixed number of queries, and a large upload runs through its tasks with a progress page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from billing import import_batches, services
from billing.bill_rows import BillRowChecker
from billing.imports import BillRowForm, validate_rows
from billing.models import Bill, ImportBatch
from common.actors import SYSTEM
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(clock):
    return clock("2025-06-03 09:00")


def row(account_no="3100000001", period="2025-04", **fields):
    base = {
        "account_no": account_no,
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
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


# --- the fast check and the form -------------------------------------------------------------

PLAIN_ROWS = [
    row(),
    row(total="9950.00"),
    row(energy_kwh=None),  # the energy is the split's sum
    row(peak_kwh=None, flat_kwh=None, valley_kwh=None),
    row(tariff_category="residential", other_charges="0", basic_charge=""),
    row(power_factor_adjustment="0", energy_charge="0.5", basic_charge=None),
    row(energy_kwh=12000, peak_kwh=4000, flat_kwh=5000, valley_kwh=3000),  # spreadsheet numbers
    row(account_no=3100000001, period="2025-05", issue_date="2025-05-31", due_date="2025-06-20"),
]

PROBLEM_ROWS = [
    row(account_no=""),
    row(account_no="x" * 33),
    row(period="2025-13"),
    row(period="2025/04"),
    row(period="1999-01"),
    row(issue_date="2025-02-30"),
    row(issue_date="2025/05/05"),  # a spelling the form may accept: the form decides
    row(due_date="2025-05-01"),
    row(issue_date="2025-03-31"),
    row(issue_date="2027-01-01", due_date="2027-01-02", period="2026-12"),
    row(tariff_category="cheap"),
    row(energy_charge=""),
    row(energy_charge="1e3"),
    row(basic_charge="-1.00"),
    row(basic_charge="1.005"),
    row(power_factor_adjustment="-"),
    row(energy_kwh="12001"),
    row(energy_kwh=None, peak_kwh=None, flat_kwh=None, valley_kwh=None),
    row(total="1.00"),
    row(energy_charge="0", basic_charge="0", power_factor_adjustment="-1.00"),
    row(peak_kwh="1.", flat_kwh="2", valley_kwh="3", energy_kwh="6"),
]


@pytest.mark.parametrize("raw", PLAIN_ROWS)
def test_a_plain_row_is_cleaned_as_the_form_cleans_it(raw):
    form = BillRowForm(data=raw)
    assert form.is_valid(), form.errors
    assert BillRowChecker().clean(raw) == form.cleaned_data


@pytest.mark.parametrize("raw", PROBLEM_ROWS)
def test_a_row_the_fast_check_does_not_accept_gets_the_forms_verdict(raw):
    assert BillRowChecker().clean(raw) is None
    form = BillRowForm(data=raw)
    expected = (
        []
        if form.is_valid()
        else [
            {"row": 1, "field": name, "message": str(m)}
            for name, messages in form.errors.items()
            for m in messages
        ]
    )
    valid, errors = validate_rows(BillRowForm, [raw])
    assert errors == expected
    assert len(valid) == (0 if expected else 1)


# --- volume ----------------------------------------------------------------------------------


def months(count):
    """`count` periods from 2023-01 on."""
    return [f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in range(count)]


def bills_of(customers, periods, **fields):
    rows = []
    for customer in customers:
        for period in periods:
            year, month = (int(x) for x in period.split("-"))
            issue = dt.date(year + month // 12, month % 12 + 1, 5)
            rows.append(
                row(
                    customer.account_no,
                    period,
                    issue_date=issue.isoformat(),
                    due_date=(issue + dt.timedelta(days=20)).isoformat(),
                    **fields,
                )
            )
    return rows


def test_a_large_import_upserts_in_queries_independent_of_its_rows(east):
    customers = CustomerFactory.create_batch(200, region=east)
    small = bills_of(customers[:10], months(2))  # 20 rows
    with CaptureQueriesContext(connection) as few:
        assert services.import_bills(small, acting_user=SYSTEM).created == 20
    large = bills_of(customers, months(10))  # 2,000 rows, 20 of them already there
    with CaptureQueriesContext(connection) as many:
        result = services.import_bills(large, acting_user=SYSTEM)
    assert (result.created, result.updated, result.unchanged, result.errors) == (1980, 0, 20, [])
    assert len(many) == len(few)
    assert Bill.objects.count() == 2000

    first = Bill.objects.get(customer=customers[0], period=dt.date(2023, 1, 1))
    untouched = Bill.objects.get(customer=customers[-1], period=dt.date(2023, 10, 1))
    changed = bills_of(customers, months(10), energy_charge="8100.00")
    with CaptureQueriesContext(connection) as few_updates:
        services.import_bills(changed[:20], acting_user=SYSTEM)
    with CaptureQueriesContext(connection) as many_updates:
        result = services.import_bills(changed[:1000] + large[1000:], acting_user=SYSTEM)
    assert (result.created, result.updated, result.unchanged) == (0, 980, 1020)
    assert len(many_updates) == len(few_updates)
    after = Bill.objects.get(pk=first.pk)
    assert (after.energy_charge, after.total) == (Decimal("8100.00"), Decimal("10050.00"))
    assert after.created_at == first.created_at and after.updated_at >= first.updated_at
    assert Bill.objects.get(pk=untouched.pk).updated_at == untouched.updated_at


def test_a_large_import_pins_its_query_count(east, django_assert_num_queries):
    customers = CustomerFactory.create_batch(100, region=east)
    rows = bills_of(customers, months(20))  # 2,000 rows
    # customers, existing bills; then in the transaction (a savepoint here, and its release):
    # lock, open bills, the temporary table (drop, create; the COPY is not counted), the
    # upsert, the credit check, the customers' balances (two reads, then their upsert: the
    # temporary table dropped and made, the COPY not counted, the insert). (Promises and
    # disconnections are looked up for updates.)
    with django_assert_num_queries(15):
        assert services.import_bills(rows, acting_user=SYSTEM).created == 2000


def test_one_bad_row_among_thousands_writes_nothing_through_the_api(api, integration, east):
    customers = CustomerFactory.create_batch(100, region=east)
    rows = bills_of(customers, months(20))
    rows[1500]["total"] = "1.00"
    response = api(integration).post("/api/v1/bills/import/", rows, format="json")
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(1501, "total")]
    assert not Bill.objects.exists()


# --- uploads through the tasks ---------------------------------------------------------------


def csv_of(rows) -> bytes:
    columns = list(rows[0])
    lines = [",".join(columns)] + [",".join(str(r.get(c, "")) for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def upload(client, content, name="bills.csv", partial=False):
    data = {"file": SimpleUploadedFile(name, content)}
    if partial:
        data["partial"] = "on"
    return client.post(reverse("billing:import_upload", args=["bills"]), data)


@pytest.fixture
def through_tasks(django_capture_on_commit_callbacks):
    """Every file goes to the tasks (run inline: CELERY_TASK_ALWAYS_EAGER)."""
    with override_settings(BILLING_IMPORT_INLINE_BYTES=0):
        yield django_capture_on_commit_callbacks


def test_a_large_upload_is_checked_and_written_by_tasks_with_its_progress(
    client, admin_user, east, through_tasks
):
    customers = CustomerFactory.create_batch(30, region=east)
    client.force_login(admin_user)
    with through_tasks(execute=True):
        response = upload(client, csv_of(bills_of(customers, months(2))))
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_done, batch.rows_total) == ("previewed", 60, 60)
    assert batch.created_count == 60 and not Bill.objects.exists()

    progress = client.get(reverse("billing:import_progress", args=[batch.pk]))
    assert "60 / 60" in progress.content.decode() or "60 of 60" in progress.content.decode()

    with through_tasks(execute=True):
        committed = client.post(response.url)
    assert committed.status_code == 302
    assert Bill.objects.count() == 60
    result = client.get(
        reverse("billing:import_progress", args=[batch.pk]), headers={"HX-Request": "true"}
    )
    assert result.context["batch"].status == "committed"
    assert result.context["result"].created == 60
    assert result["HX-Refresh"] == "true"


def test_the_progress_endpoint_polls_while_a_task_works(client, admin_user):
    batch = ImportBatch.objects.create(
        kind="bills", file_name="big.csv", uploaded_by=admin_user, status="importing"
    )
    ImportBatch.objects.filter(pk=batch.pk).update(rows_done=50_000, rows_total=200_000)
    client.force_login(admin_user)
    response = client.get(reverse("billing:import_progress", args=[batch.pk]))
    body = response.content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert 'data-progress="25"' in body
    assert "HX-Refresh" not in response
    page = client.get(reverse("billing:import_preview", args=[batch.pk]))
    assert 'data-testid="import-progress"' in page.content.decode()


def test_a_large_upload_with_a_bad_row_is_refused_whole(client, admin_user, east, through_tasks):
    customers = CustomerFactory.create_batch(5, region=east)
    rows = bills_of(customers, months(2))
    rows[7]["period"] = "2024-13"
    client.force_login(admin_user)
    with through_tasks(execute=True):
        response = upload(client, csv_of(rows))
    preview = client.get(response.url)
    assert [(e["row"], e["field"]) for e in preview.context["result"].errors] == [(9, "period")]
    with through_tasks(execute=True):
        refused = client.post(response.url)
    assert refused.status_code == 200
    assert not Bill.objects.exists()
    with through_tasks(execute=True):
        client.post(response.url, {"partial": "1"})
    assert Bill.objects.count() == 9


def test_problems_beyond_the_preview_are_listed_in_the_page_not_its_title(
    client, admin_user, east, through_tasks, monkeypatch
):
    monkeypatch.setattr(import_batches, "PREVIEW_ROWS", 5)
    customers = CustomerFactory.create_batch(5, region=east)
    rows = bills_of(customers, months(2))
    rows[7]["period"] = "2024-13"
    client.force_login(admin_user)
    with through_tasks(execute=True):
        response = upload(client, csv_of(rows))
    page = client.get(response.url).content.decode()
    title = page[page.index("<title>") : page.index("</title>")]
    assert 'data-testid="import-errors"' not in title
    assert page.count('data-testid="import-errors"') == 1


def test_an_unreadable_large_file_fails_its_batch(client, admin_user, through_tasks):
    client.force_login(admin_user)
    with through_tasks(execute=True):
        response = upload(client, b"not a workbook", name="bills.xlsx")
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and batch.failure
    assert batch.failure in client.get(response.url).content.decode()


def test_duplicates_are_found_across_chunks(admin_user, east, monkeypatch):
    monkeypatch.setattr(import_batches, "CHUNK_ROWS", 3)
    customers = CustomerFactory.create_batch(6, region=east)
    rows = bills_of(customers, months(1)) + bills_of(customers[2:3], months(1))
    upload_file = SimpleUploadedFile("bills.csv", csv_of(rows))
    batch = import_batches.start_import("bills", upload_file, acting_user=admin_user)
    assert [(e["row"], e["field"]) for e in batch.errors] == [(8, "period")]
    assert "row 4" in batch.errors[0]["message"] or "第 4 行" in batch.errors[0]["message"]


def test_someone_elses_batch_and_a_manager_are_refused(client, admin_user, mgr_a, sup_east):
    batch = ImportBatch.objects.create(kind="bills", file_name="x.csv", uploaded_by=admin_user)
    url = reverse("billing:import_progress", args=[batch.pk])
    assert client.get(url).status_code == 302  # not logged in: to the login page
    client.force_login(mgr_a)
    assert client.get(url).status_code == 403
    client.force_login(sup_east)
    assert client.get(url).status_code == 404
