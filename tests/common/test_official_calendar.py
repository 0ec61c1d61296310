"""The official calendar as data: seed, statutory days, cache, API, admin import, warnings."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from common import workcalendar
from common.calendar_data import package_years, statutory_holidays
from common.models import CalendarDay, CalendarYear
from common.official_calendar import check_days, replace_calendar_year
from common.workcalendar import DayStatus
from tests.complaints.conftest import local

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat

# The 2027 notice as a test enters it (the real one is published in autumn 2026).
SPRING_2027 = [D("2027-02-05"), D("2027-02-06"), D("2027-02-07"), D("2027-02-08")]
DAYS_2027 = [
    {"date": D("2027-01-01"), "kind": "holiday", "name": "元旦"},
    *({"date": day, "kind": "holiday", "name": "春节"} for day in SPRING_2027),
    {"date": D("2027-02-20"), "kind": "workday", "name": "春节"},
]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(local(2026, 12, 4, 10, 0), tick=False):
        yield


# --- the seed and the statutory days ---------------------------------------------------------


def test_every_year_the_package_knows_is_seeded_complete_with_its_days():
    known = package_years()
    assert set(CalendarYear.objects.values_list("year", flat=True)) >= set(known)
    assert min(known) == 2004 and max(known) >= 2026
    year = CalendarYear.objects.get(year=2026)
    assert year.complete and "chinesecalendar" in year.source
    assert year.days.get(date=D("2026-10-01")).kind == "holiday"
    assert year.days.get(date=D("2026-10-10")).kind == "workday"
    assert workcalendar.is_working_day(D("2026-10-10"))  # a make-up Saturday
    assert not workcalendar.is_working_day(D("2026-10-07"))


@pytest.mark.parametrize("year", sorted(package_years()))
def test_the_statutory_days_agree_with_every_seeded_year(year):
    for day in statutory_holidays(year):
        assert workcalendar.day_status(day) == DayStatus.REST


def test_a_year_never_entered_knows_only_the_weekends_and_the_statutory_days():
    assert not workcalendar.is_known_year(2027)
    assert not workcalendar.is_known_year(D("2027-06-01"))
    # 全国年节及纪念日放假办法 as amended in 2024: 1 Jan, 1–2 May, 1–3 Oct.
    for day in ("2027-01-01", "2027-05-01", "2027-05-02", "2027-10-01", "2027-10-03"):
        assert workcalendar.day_status(D(day)) == DayStatus.REST
        assert workcalendar.is_public_holiday(D(day))
    assert workcalendar.day_status(D("2027-05-03")) == DayStatus.UNKNOWN
    assert workcalendar.day_status(D("2027-02-08")) == DayStatus.UNKNOWN  # Spring Festival?
    assert workcalendar.day_status(D("2027-02-06")) == DayStatus.UNKNOWN  # a Saturday
    # The provisional answer is Monday–Friday minus the known holidays, never more.
    assert workcalendar.is_working_day(D("2027-02-08"))
    assert not workcalendar.is_working_day(D("2027-01-01"))
    assert workcalendar.holiday_name(D("2027-10-02")) == "国庆节"


def test_labour_day_follows_the_law_of_the_year():
    assert set(statutory_holidays(2030)) >= {D("2030-05-01"), D("2030-05-02")}
    assert D("2020-05-02") not in statutory_holidays(2020)  # one day from 2008 to 2024


def test_the_package_stands_in_for_its_years_when_the_table_is_empty():
    CalendarYear.objects.all().delete()
    workcalendar.clear_cache()
    assert workcalendar.is_known_year(2026)
    assert workcalendar.is_working_day(D("2026-10-10"))
    assert not workcalendar.is_known_year(2027)


# --- reading efficiently, and seeing changes -------------------------------------------------


def test_the_calendar_is_read_once_not_once_per_day(django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        workcalendar.add_working_days(local(2026, 1, 5, 9, 0), 200)
    with django_assert_max_num_queries(0):
        workcalendar.working_days_between(D("2025-01-01"), D("2026-12-31"))


def test_an_entered_year_takes_effect_at_once(admin_user):
    assert workcalendar.is_working_day(D("2027-02-08"))  # cached: provisional Monday
    replace_calendar_year(
        year=2027, source="国办发明电〔2026〕X号", days=DAYS_2027, acting_user=admin_user
    )
    assert workcalendar.is_known_year(2027)
    assert not workcalendar.is_working_day(D("2027-02-08"))
    assert workcalendar.is_working_day(D("2027-02-20"))  # the make-up Saturday
    assert workcalendar.day_status(D("2027-03-03")) == DayStatus.WORKING


def test_another_process_change_is_seen_after_the_recheck_interval(monkeypatch, settings):
    settings.WORKCALENDAR_RECHECK_SECONDS = 30
    now = [1000.0]
    monkeypatch.setattr(workcalendar, "_clock", lambda: now[0])
    assert workcalendar.is_working_day(D("2026-10-10"))
    # Another process edits the tables (no signal reaches this one).
    CalendarDay.objects.filter(date=D("2026-10-10")).update(kind="holiday")
    CalendarYear.objects.filter(year=2026).update(updated_at=local(2026, 12, 4, 11, 0))
    now[0] += 10
    assert workcalendar.is_working_day(D("2026-10-10"))  # still the cached answer
    now[0] += 30
    assert not workcalendar.is_working_day(D("2026-10-10"))


# --- entering a year: the service --------------------------------------------------------------


def test_only_an_administrator_enters_a_year(sup_east, mgr_a):
    for user in (sup_east, mgr_a):
        with pytest.raises(PermissionDenied):
            replace_calendar_year(year=2027, source="x", days=DAYS_2027, acting_user=user)
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [
        ("2028-01-03", "holiday", "is not in 2027"),
        ("2027-03-03", "workday", "Saturday or Sunday"),
        ("2027-05-01", "workday", "statutory holiday"),
        ("2027-02-05", "workday", "more than once"),
    ],
)
def test_a_wrong_day_is_refused_with_its_reason(admin_user, day, kind, expected, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        replace_calendar_year(
            year=2027,
            source="x",
            days=[*DAYS_2027, {"date": D(day), "kind": kind}],
            acting_user=admin_user,
        )
    assert expected in " ".join(exc.value.message_dict["days"])
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- the API -------------------------------------------------------------------------------------


def test_anyone_signed_in_reads_a_year(api, mgr_a):
    body = api(mgr_a).get("/api/v1/calendar/?year=2026").json()
    assert (body["year"], body["complete"]) == (2026, True)
    assert {"date": "2026-10-10", "kind": "workday"}.items() <= next(
        d for d in body["days"] if d["date"] == "2026-10-10"
    ).items()
    assert api().get("/api/v1/calendar/?year=2026").status_code in (401, 403)


def test_a_year_never_entered_answers_incomplete_with_the_statutory_days(api, mgr_a):
    body = api(mgr_a).get("/api/v1/calendar/?year=2027").json()
    assert body["complete"] is False and body["source"] == ""
    assert [(d["date"], d["kind"]) for d in body["days"]] == [
        ("2027-01-01", "holiday"),
        ("2027-05-01", "holiday"),
        ("2027-05-02", "holiday"),
        ("2027-10-01", "holiday"),
        ("2027-10-02", "holiday"),
        ("2027-10-03", "holiday"),
    ]


@pytest.mark.parametrize("year", ["abc", "1800", "99999"])
def test_a_bad_year_is_a_400(api, mgr_a, year):
    response = api(mgr_a).get(f"/api/v1/calendar/?year={year}")
    assert response.status_code == 400 and "year" in response.json()


def _payload(days=None):
    return {
        "year": 2027,
        "source": "国务院办公厅关于2027年部分节假日安排的通知",
        "days": days
        if days is not None
        else [{**d, "date": d["date"].isoformat()} for d in DAYS_2027],
    }


def test_an_administrator_replaces_a_year_through_the_api(api, admin_user):
    response = api(admin_user).post("/api/v1/calendar/", _payload(), format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["complete"] is True
    row = CalendarYear.objects.get(year=2027)
    assert (row.entered_by, row.days.count()) == (admin_user, 6)
    # Replaces: a second post with fewer days leaves only those.
    days = [{"date": "2027-02-08", "kind": "holiday"}]
    again = api(admin_user).post("/api/v1/calendar/", _payload(days), format="json")
    assert again.status_code == 200
    assert list(row.days.values_list("date", flat=True)) == [D("2027-02-08")]
    assert not workcalendar.is_working_day(D("2027-02-08"))


def test_others_may_not_write_the_calendar(api, mgr_a, sup_east, integration, auditor):
    for user in (mgr_a, sup_east, integration, auditor):
        response = api(user).post("/api/v1/calendar/", _payload(), format="json")
        assert response.status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize(
    ("days", "field"),
    [
        ([{"date": "2027-13-01", "kind": "holiday"}], "days"),
        ([{"date": "2027-02-08", "kind": "vacation"}], "days"),
        ([{"date": "2026-12-31", "kind": "holiday"}], "days"),
        ([{"date": "2027-03-03", "kind": "workday"}], "days"),
        (
            [{"date": "2027-02-08", "kind": "holiday"}, {"date": "2027-02-08", "kind": "workday"}],
            "days",
        ),
    ],
)
def test_a_bad_year_is_refused_with_field_messages(api, admin_user, days, field):
    response = api(admin_user).post("/api/v1/calendar/", _payload(days), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- the admin and its import --------------------------------------------------------------


def _upload(text: str, name="2027.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_the_import_previews_row_errors_and_saves_nothing(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:common_calendaryear_import")
    csv_text = "日期,类型,名称\n2027-02-08,休,春节\n2027-03-03,班,\n2027-02-30,休,\n"
    response = client.post(url, {"year": 2027, "source": "通知", "file": _upload(csv_text)})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.number for r in rows if r.errors] == [3, 4]
    assert "payload" not in response.context
    assert 'data-testid="import-errors"' in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_import_of_an_excel_file_is_confirmed_after_the_preview(client, admin_user):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["date", "kind", "name"])
    for day in SPRING_2027:
        sheet.append([day, "holiday", "春节"])
    sheet.append(["2027-02-20", "workday", "春节"])
    content = io.BytesIO()
    workbook.save(content)
    client.force_login(admin_user)
    url = reverse("admin:common_calendaryear_import")
    upload = SimpleUploadedFile("2027.xlsx", content.getvalue())
    preview = client.post(url, {"year": 2027, "source": "国办发明电", "file": upload})
    assert preview.status_code == 200 and preview.context["errors"] == 0
    assert not CalendarYear.objects.filter(year=2027).exists()  # not before confirming

    done = client.post(url, {"payload": preview.context["payload"]})
    row = CalendarYear.objects.get(year=2027)
    assert done.status_code == 302 and done.url.endswith(f"/{row.pk}/change/")
    assert (row.complete, row.source, row.entered_by) == (True, "国办发明电", admin_user)
    assert row.days.count() == 5
    assert not workcalendar.is_working_day(D("2027-02-08"))


def test_a_tampered_preview_is_refused(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:common_calendaryear_import")
    response = client.post(url, {"payload": "forged"})
    assert response.status_code == 302
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_admin_refuses_a_make_up_day_on_a_weekday(client, admin_user):
    client.force_login(admin_user)
    data = {
        "year": 2027,
        "source": "通知",
        "complete": "on",
        "days-TOTAL_FORMS": "1",
        "days-INITIAL_FORMS": "0",
        "days-0-date": "2027-03-03",
        "days-0-kind": "workday",
        "days-0-name": "",
    }
    response = client.post(reverse("admin:common_calendaryear_add"), data)
    assert response.status_code == 200  # the form again, with the error
    assert not CalendarYear.objects.filter(year=2027).exists()
    data["days-0-date"] = "2027-02-20"
    response = client.post(reverse("admin:common_calendaryear_add"), data)
    assert response.status_code == 302
    row = CalendarYear.objects.get(year=2027)
    assert row.entered_by == admin_user
    assert workcalendar.is_working_day(D("2027-02-20"))


def test_a_day_added_alone_is_checked_too(client, admin_user):
    client.force_login(admin_user)
    year = CalendarYear.objects.get(year=2026)
    url = reverse("admin:common_calendarday_add")
    data = {"calendar_year": year.pk, "date": "2027-01-09", "kind": "holiday", "name": ""}
    assert client.post(url, data).status_code == 200  # not in 2026: the form again
    data.update(date="2026-12-07", kind="holiday", name="测试")
    assert client.post(url, data).status_code == 302
    assert workcalendar.is_public_holiday(D("2026-12-07"))


def test_only_administrators_open_the_calendar_admin_and_import(client, sup_east):
    sup_east.is_staff = True
    sup_east.save(update_fields=["is_staff"])
    client.force_login(sup_east)
    assert client.get(reverse("admin:common_calendaryear_import")).status_code == 403
    response = client.post(
        reverse("admin:common_calendaryear_import"),
        {"year": 2027, "source": "x", "file": _upload("date,kind\n2027-02-08,holiday\n")},
    )
    assert response.status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- the warning from 1 November ---------------------------------------------------------------


@pytest.mark.parametrize(("day", "warned"), [("2026-10-31", False), ("2026-11-01", True)])
def test_the_admin_and_the_dashboard_warn_from_1_november(
    client, admin_user, sup_east, api, day, warned
):
    with time_machine.travel(local(*map(int, day.split("-")), 10, 0), tick=False):
        client.force_login(admin_user)
        index = client.get(reverse("admin:index")).content.decode()
        assert ('data-testid="calendar-warning"' in index) is warned
        client.force_login(sup_east)
        page = client.get(reverse("dashboards:index")).content.decode()
        assert ('data-testid="calendar-warning"' in page) is warned
        body = api(sup_east).get("/api/v1/dashboard/").json()
        assert body["calendar_missing_year"] == (2027 if warned else None)


def test_the_warning_goes_once_the_year_is_entered(client, admin_user, sup_east, api):
    with time_machine.travel(local(2026, 11, 20, 10, 0), tick=False):
        replace_calendar_year(year=2027, source="通知", days=DAYS_2027, acting_user=admin_user)
        client.force_login(admin_user)
        assert (
            'data-testid="calendar-warning"'
            not in client.get(reverse("admin:index")).content.decode()
        )
        client.force_login(sup_east)
        page = client.get(reverse("dashboards:index")).content.decode()
        assert 'data-testid="calendar-warning"' not in page
        assert api(sup_east).get("/api/v1/dashboard/").json()["calendar_missing_year"] is None


# --- the test helpers ----------------------------------------------------------------------------


def test_the_sample_calendars_are_valid_years(admin_user, sample_calendars):
    from tests.calendar_fixtures import SAMPLE_CALENDARS

    for year, sample in SAMPLE_CALENDARS.items():
        days = [{"date": d, "kind": "holiday"} for d, _n in sample["holidays"]]
        days += [{"date": d, "kind": "workday"} for d, _n in sample["workdays"]]
        assert check_days(year, days) == []
    assert workcalendar.is_known_year(2027) and workcalendar.is_known_year(2028)
    assert workcalendar.day_status(D("2027-02-05")) == DayStatus.REST  # the eve
    assert workcalendar.day_status(D("2027-02-14")) == DayStatus.WORKING  # make-up Sunday
    assert workcalendar.day_status(D("2028-02-29")) == DayStatus.WORKING
