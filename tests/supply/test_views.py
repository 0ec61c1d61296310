"""The supply-quality pages: the customer tab, overview, feeder, late restorations, uploads,
exports, the dashboard and complaint panels; refusals through the page and the API alike."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from common.actors import SYSTEM
from complaints import services as complaints
from supply import alerts
from supply.models import ComplaintLink, Interruption, VoltageReading
from tests.supply.conftest import local

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def history(single, grid, record, point):
    record("D-1", grid["e1"], local(2026, 10, 3, 8), local(2026, 10, 3, 9, 30), cause="雷击")
    record("D-2", grid["e1"], local(2026, 11, 18, 8), cause_cleared_at="2026-11-18T09:00:00+08:00")
    return single


def test_the_tab_shows_the_figures_chart_table_and_interruptions(clock, history, mgr_a):
    response = client_for(mgr_a).get(f"/supply/customer/{history.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="supply-monthly"' in html and "supply-customer-chart" in html
    assert "雷击" in html and "E1" in html
    assert "停电" in html  # Chinese by default


def test_the_tab_in_english(clock, history, mgr_a):
    client = client_for(mgr_a)
    response = client.get(f"/supply/customer/{history.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Fault outage" in response.content.decode()


def test_the_tab_of_another_managers_customer_is_a_404_as_in_the_api(clock, history, mgr_c, api):
    assert client_for(mgr_c).get(f"/supply/customer/{history.pk}/").status_code == 404
    assert api(mgr_c).get(f"/api/v1/customers/{history.pk}/supply-quality/").status_code == 404


def test_the_tab_takes_a_fixed_number_of_queries(
    clock, history, mgr_a, django_assert_max_num_queries
):
    client = client_for(mgr_a)
    client.get(f"/supply/customer/{history.pk}/")
    with django_assert_max_num_queries(20):
        client.get(f"/supply/customer/{history.pk}/")


def test_an_empty_tab_says_so(clock, single, mgr_a):
    html = client_for(mgr_a).get(f"/supply/customer/{single.pk}/").content.decode()
    assert 'class="app-empty"' in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_customers_interruptions_export(clock, history, mgr_a, fmt):
    response = client_for(mgr_a).get(f"/supply/customer/{history.pk}/export.{fmt}")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    if fmt == "csv":
        assert "D-1" in response.content.decode("utf-8-sig")


def test_the_overview_for_a_supervisor(clock, history, sup_east, grid, record):
    for n in range(3):
        record(f"F{n}", grid["e1"], local(2026, 11, 1 + n, 8), local(2026, 11, 1 + n, 8, 5))
    alerts.scan_supply_quality()
    response = client_for(sup_east).get("/supply/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="supply-worst-customers"' in html
    assert 'data-testid="supply-episodes"' in html
    assert history.name in html


def test_managers_may_not_open_the_overview_nor_upload(clock, mgr_a, api):
    assert client_for(mgr_a).get("/supply/").status_code == 403
    assert client_for(mgr_a).get("/supply/upload/interruptions/").status_code == 403
    assert api(mgr_a).post("/api/v1/interruptions/", [], format="json").status_code == 403


def test_the_late_restorations_list_and_export(clock, history, sup_east):
    client = client_for(sup_east)
    html = client.get("/supply/late-restorations/").content.decode()
    assert "D-2" in html and "D-1" not in html
    assert client.get("/supply/late-restorations/?format=csv").status_code == 200


def test_the_feeder_page_shows_the_repeated_complaints(clock, history, mgr_a, grid):
    tickets = []
    for _n in range(2):
        ticket, _created = complaints.register_complaint(
            customer=history,
            channel="hotline_95598",
            category="power_quality",
            description="电压低",
            acting_user=SYSTEM,
        )
        tickets.append(ticket.ticket_no)
    response = client_for(mgr_a).get(f"/supply/feeders/{grid['e1'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert all(ticket in html for ticket in tickets)
    assert 'data-testid="feeder-monthly"' in html


def test_a_feeder_without_visible_customers_is_a_404(clock, history, mgr_c, grid):
    assert client_for(mgr_c).get(f"/supply/feeders/{grid['e1'].pk}/").status_code == 404


def csv_file(text: str, name="rows.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_an_interruption_upload_is_all_or_nothing(clock, single, sup_east):
    text = (
        "停电编号,线路,停电开始,恢复时间,停电原因,计划停电\n"
        "U-1,E1,2026-10-01T08:00:00+08:00,2026-10-01T09:00:00+08:00,雷击,否\n"
        "U-2,NOPE,2026-10-02T08:00:00+08:00,,树障,否\n"
    )
    response = client_for(sup_east).post("/supply/upload/interruptions/", {"file": csv_file(text)})
    assert response.status_code == 400
    assert 'data-testid="supply-upload-errors"' in response.content.decode()
    assert Interruption.objects.count() == 0
    good = text.replace("NOPE", "E1")
    response = client_for(sup_east).post("/supply/upload/interruptions/", {"file": csv_file(good)})
    assert response.status_code == 200
    assert Interruption.objects.count() == 2


def test_a_readings_upload_in_excel(clock, point, sup_east):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["监测点", "日期", "监测时间", "超上限时间", "超下限时间", "最大偏差", "最小偏差"])
    sheet.append(["VM-001", "2026-11-01", 1440, 10, 0, 7.2, -3.1])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("v.xlsx", buffer.getvalue())
    response = client_for(sup_east).post("/supply/upload/readings/", {"file": upload})
    assert response.status_code == 200, response.content.decode()[:2000]
    assert VoltageReading.objects.get().minutes_above == 10


def test_a_file_without_the_columns_is_refused(clock, sup_east):
    response = client_for(sup_east).post(
        "/supply/upload/readings/", {"file": csv_file("a,b\n1,2\n")}
    )
    assert response.status_code == 400
    assert "point" in response.content.decode()


def test_the_complaint_page_shows_the_panel_and_links(clock, history, mgr_a):
    complaint, _created = complaints.register_complaint(
        customer=history,
        channel="hotline_95598",
        category="outage",
        description="又停电了",
        acting_user=SYSTEM,
    )
    client = client_for(mgr_a)
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert f"/supply/complaint/{complaint.pk}/" in page
    panel = client.get(f"/supply/complaint/{complaint.pk}/").content.decode()
    assert 'data-testid="supply-complaint-panel"' in panel
    d2 = Interruption.objects.get(source_ref="D-2")
    response = client.post(f"/supply/complaint/{complaint.pk}/link/", {"interruption": d2.pk})
    assert response.status_code == 302
    assert ComplaintLink.objects.filter(complaint=complaint, interruption=d2).exists()
    assert d2.events.filter(kind="linked").exists()


def test_a_billing_complaint_has_no_panel_and_cannot_be_linked(clock, history, mgr_a):
    complaint, _created = complaints.register_complaint(
        customer=history,
        channel="hotline_95598",
        category="billing",
        description="电费有误",
        acting_user=SYSTEM,
    )
    client = client_for(mgr_a)
    assert "/supply/complaint/" not in client.get(f"/complaints/{complaint.pk}/").content.decode()
    d1 = Interruption.objects.get(source_ref="D-1")
    response = client.post(f"/supply/complaint/{complaint.pk}/link/", {"interruption": d1.pk})
    assert response.status_code == 400
    assert not ComplaintLink.objects.exists()


def test_the_dashboard_panel(clock, history, sup_east, mgr_a):
    response = client_for(sup_east).get("/supply/dashboard-panel/")
    assert response.status_code == 200
    assert 'data-testid="supply-trend"' in response.content.decode()
    assert client_for(mgr_a).get("/supply/dashboard-panel/").status_code == 403
    dashboard = client_for(sup_east).get("/dashboard/").content.decode()
    assert "/supply/dashboard-panel/" in dashboard


def test_an_upload_can_be_checked_without_writing(clock, single, sup_east):
    text = (
        "source_ref,feeder,start,end,cause,planned\n"
        "C-1,E1,2026-10-01T08:00:00+08:00,2026-10-01T09:00:00+08:00,雷击,false\n"
    )
    response = client_for(sup_east).post(
        "/supply/upload/interruptions/", {"file": csv_file(text), "check": "1"}
    )
    assert response.status_code == 200
    assert 'data-testid="supply-upload-result"' in response.content.decode()
    assert Interruption.objects.count() == 0


def test_the_menu_shows_supply_quality_to_supervisors_only(clock, sup_east, mgr_a):
    assert 'href="/supply/"' in client_for(sup_east).get("/supply/").content.decode()
    home = client_for(mgr_a).get("/my-day/", follow=True).content.decode()
    assert 'href="/supply/"' not in home


def test_an_auditor_reads_but_may_not_import_through_page_or_api(clock, auditor, history, api):
    assert client_for(auditor).get("/supply/").status_code == 200
    assert client_for(auditor).get("/supply/upload/readings/").status_code == 403
    assert api(auditor).get("/api/v1/interruptions/").status_code == 200
    assert api(auditor).post("/api/v1/voltage-readings/", [], format="json").status_code == 403


def test_the_worst_feeders_count_their_complaints(clock, history, sup_east):
    for _n in range(2):
        complaints.register_complaint(
            customer=history,
            channel="hotline_95598",
            category="power_quality",
            description="电压低",
            acting_user=SYSTEM,
        )
    from supply.views import worst_served

    worst = worst_served(None)
    assert [(r["feeder"].code, r["feeder"].complaints) for r in worst["feeders"]] == [("E1", 2)]
