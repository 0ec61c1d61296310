"""The clock at its edges on the official calendar: the 2027 stand-in notice (Spring Festival
holidays 5–12 February, Sunday 14 February a make-up working day)."""

import datetime as dt

import pytest

from common.actors import SYSTEM
from connections import clock, services
from connections.models import Project, ProjectStep
from tests.connections.conftest import at, finish

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def lv_project(applicant, sample_calendars):
    # Monday 1 February 2027, 10:00.
    with at(2027, 2, 1):
        return applicant(supply_scheme="lv", voltage_kv="0.4", backup_feeder=None)


def step(project, code):
    return ProjectStep.objects.get(project=project, step=code)


def test_due_dates_skip_the_holidays_and_count_the_make_up_sunday(lv_project):
    plan = step(lv_project, "supply_plan")
    # 7 working days after 1 Feb: 2, 3, 4, (holidays 5–13), 14 (make-up Sunday), 15, 16, 17.
    assert plan.due_on == D(2027, 2, 17)
    assert plan.regulator_due_on == D(2027, 2, 18)
    # The whole commitment (6 working days) is reached a day earlier.
    assert lv_project.due_on == D(2027, 2, 16)
    assert lv_project.limit_working_days == 6


@pytest.mark.parametrize(
    ("day", "days", "breached", "regulator_breached"),
    [
        ((2027, 2, 12), 3, False, False),  # a holiday: still three working days
        ((2027, 2, 14), 4, False, False),  # the make-up Sunday counts
        ((2027, 2, 17), 7, False, False),  # on the due day: within the limit
        ((2027, 2, 18), 8, True, False),  # a day late: the company's limit missed
        ((2027, 2, 19), 9, True, True),  # beyond the regulator's maximum too
    ],
)
def test_finishing_the_step_at_the_edge_of_its_limits(
    lv_project, day, days, breached, regulator_breached
):
    with at(*day, 16, 0):
        finish(lv_project)
    plan = step(lv_project, "supply_plan")
    assert (plan.working_days, plan.breached, plan.regulator_breached) == (
        days,
        breached,
        regulator_breached,
    )
    # The next step starts at the same moment, with its own limit from that day.
    nxt = step(lv_project, "completion_inspection")
    assert nxt.status == "in_progress"
    assert nxt.due_on == clock.add_days(D(*day), 5)


def test_a_wait_for_the_customer_stops_the_clock_and_moves_the_due_dates(lv_project):
    with at(2027, 2, 3, 9, 0):
        services.wait_for_customer(
            lv_project, acting_user=SYSTEM, reason="缺少产权证明", kind="documents"
        )
    with at(2027, 2, 10):
        project = Project.objects.get(pk=lv_project.pk)
        # Two working days before the wait (2 and 3 Feb); the holidays and the wait do not count.
        assert clock.project_days(project) == 2
        assert project.status == "waiting_customer"
    with at(2027, 2, 15, 11, 0):
        services.resume_project(lv_project, acting_user=SYSTEM)
    wait = lv_project.waits.get()
    # Waited 4 Feb, 14 Feb and 15 Feb: three working days off the clock.
    assert wait.working_days == 3
    plan = step(lv_project, "supply_plan")
    assert plan.waited_days == 3
    assert plan.due_on == D(2027, 2, 22)  # 17 Feb + 18, 19, 22 (20–21 a weekend)
    with at(2027, 2, 22, 17, 0):
        finish(lv_project)
    plan.refresh_from_db()
    assert (plan.working_days, plan.breached) == (7, False)


def test_sending_back_keeps_the_days_and_runs_the_previous_step_again(applicant):
    with at(2026, 3, 2):  # Monday
        project = applicant(supply_scheme="hv_single", backup_feeder=None)
    with at(2026, 3, 4):
        finish(project)  # supply plan: 2 working days
    with at(2026, 3, 9):
        services.return_step(project, acting_user=SYSTEM, reason="设计图纸不符合规范")
    project.refresh_from_db()
    assert project.current_step == "supply_plan"
    review, plan = step(project, "design_review"), step(project, "supply_plan")
    assert (review.status, review.days_before) == ("pending", 3)  # 5, 6, 9 March
    assert (plan.status, plan.days_before) == ("in_progress", 2)
    # 15 working days of the plan, 2 used: due 13 working days after 9 March.
    assert plan.due_on == clock.add_days(D(2026, 3, 9), 13)
    assert project.closed_working_days == 5
    with at(2026, 3, 10):
        finish(project)
    with at(2026, 3, 12):
        finish(project)
        review.refresh_from_db()
        assert review.working_days == 3 + 2
        project.refresh_from_db()
        assert clock.project_days(project) == 8
    assert project.events.filter(kind="returned").get().message == "设计图纸不符合规范"


def test_the_first_step_has_nothing_to_go_back_to(applicant):
    from common.errors import TransitionNotAllowed

    with at(2026, 3, 2):
        project = applicant()
        with pytest.raises(TransitionNotAllowed):
            services.return_step(project, acting_user=SYSTEM, reason="x")


def test_a_missing_year_makes_a_due_date_provisional(applicant):
    # No notice for 2028 is entered in this test: a due date there rests on a guess.
    with at(2027, 12, 20):
        project = applicant()
    plan = step(project, "supply_plan")
    assert clock.due_is_provisional(plan.run_started_at, plan.due_on)


def test_the_fast_count_agrees_with_the_calendar_walk(sample_calendars):
    from common.workcalendar import working_days_between

    rng = __import__("random").Random(3)
    for _ in range(300):
        start = D(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 900))
        end = start + dt.timedelta(days=rng.randint(-5, 400))
        assert clock.days_between(start, end) == working_days_between(start, end)
