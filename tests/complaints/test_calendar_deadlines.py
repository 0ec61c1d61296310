"""Deadlines across a year whose official calendar is not entered: computed on the known
holidays, marked provisional, recomputed (with an event) when the year is entered."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from common.official_calendar import replace_calendar_year
from complaints.models import ComplaintEvent, EventKind
from complaints.services import recompute_provisional_deadlines
from tests.complaints.conftest import local

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat

# The 2027 notice as the test enters it: 1 January, and (say) Monday 4 January as well.
DAYS_2027 = [
    {"date": D("2027-01-01"), "kind": "holiday", "name": "元旦"},
    {"date": D("2027-01-04"), "kind": "holiday", "name": "元旦"},
    {"date": D("2027-02-20"), "kind": "workday", "name": "春节"},
]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(local(2026, 12, 28, 11, 0), tick=False):
        yield


@pytest.fixture
def year_end_ticket(register, customer_for, mgr_a):
    """Received Mon 2026-12-28 10:00; five working days run into 2027."""
    with time_machine.travel(local(2026, 12, 28, 10, 0), tick=False):
        return register(customer_for(mgr_a))


def test_a_deadline_across_the_year_end_skips_new_years_day_and_is_provisional(
    year_end_ticket,
):
    # Dec 29, 30, 31, (1 Jan statutory holiday, weekend), Jan 4, Jan 5.
    assert year_end_ticket.resolve_due == local(2027, 1, 5, 10, 0)
    assert year_end_ticket.deadlines_provisional is True
    # The contact deadline is in calendar hours: not affected.
    assert year_end_ticket.ack_due == local(2026, 12, 29, 10, 0)


def test_a_deadline_inside_a_known_year_is_not_provisional(register, customer_for, mgr_a):
    with time_machine.travel(local(2026, 12, 1, 10, 0), tick=False):
        complaint = register(customer_for(mgr_a))
    assert complaint.deadlines_provisional is False


def test_the_api_and_the_ticket_page_show_a_provisional_deadline(
    year_end_ticket, api, client, mgr_a
):
    with time_machine.travel(local(2026, 12, 28, 11, 0), tick=False):
        body = api(mgr_a).get(f"/api/v1/complaints/{year_end_ticket.pk}/").json()
        assert body["deadlines_provisional"] is True
        client.force_login(mgr_a)
        page = client.get(reverse("complaints:detail", args=[year_end_ticket.pk]))
    assert 'data-testid="deadline-provisional"' in page.content.decode()


def test_entering_the_year_recomputes_the_deadline_with_an_event(
    year_end_ticket, admin_user, client, mgr_a, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(local(2026, 12, 29, 9, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        replace_calendar_year(
            year=2027, source="国办发明电（测试）", days=DAYS_2027, acting_user=admin_user
        )
    year_end_ticket.refresh_from_db()
    assert year_end_ticket.resolve_due == local(2027, 1, 6, 10, 0)
    assert year_end_ticket.deadlines_provisional is False
    event = ComplaintEvent.objects.get(
        complaint=year_end_ticket, kind=EventKind.DEADLINES_RECOMPUTED
    )
    previous = dt.datetime.fromisoformat(event.data["previous_resolve_due"])
    assert previous == local(2027, 1, 5, 10, 0)
    assert event.data["year"] == 2027
    assert "2027" in event.message
    with time_machine.travel(local(2026, 12, 29, 10, 0), tick=False):
        client.force_login(mgr_a)
        page = client.get(reverse("complaints:detail", args=[year_end_ticket.pk]))
    assert 'data-testid="deadline-provisional"' not in page.content.decode()
    # Running again changes nothing.
    assert recompute_provisional_deadlines(year=2027) == 0


def test_entering_the_year_through_the_api_recomputes_too(
    year_end_ticket, admin_user, api, django_capture_on_commit_callbacks
):
    payload = {
        "year": 2027,
        "source": "国办发明电（测试）",
        "days": [{**d, "date": d["date"].isoformat()} for d in DAYS_2027],
    }
    with (
        time_machine.travel(local(2026, 12, 29, 9, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert api(admin_user).post("/api/v1/calendar/", payload, format="json").status_code == 200
    year_end_ticket.refresh_from_db()
    assert (year_end_ticket.resolve_due, year_end_ticket.deadlines_provisional) == (
        local(2027, 1, 6, 10, 0),
        False,
    )


def test_a_closed_ticket_keeps_its_record(year_end_ticket, drive, admin_user, official_calendar):
    with time_machine.travel(local(2026, 12, 28, 15, 0), tick=False):
        closed = drive(year_end_ticket, "closed")
    official_calendar(2027, holidays=[D("2027-01-04")])
    assert recompute_provisional_deadlines(year=2027) == 0
    closed.refresh_from_db()
    assert closed.resolve_due == local(2027, 1, 5, 10, 0)


def test_an_incomplete_year_keeps_the_deadline_provisional(year_end_ticket, admin_user):
    replace_calendar_year(
        year=2027, source="", days=DAYS_2027, acting_user=admin_user, complete=False
    )
    assert recompute_provisional_deadlines(year=2027) == 1  # Jan 4 now known: moved
    year_end_ticket.refresh_from_db()
    assert year_end_ticket.resolve_due == local(2027, 1, 6, 10, 0)
    assert year_end_ticket.deadlines_provisional is True
