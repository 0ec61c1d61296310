"""The deadline job at the limit edges, with holidays and a make-up working day (the 2027
stand-in notice: Spring Festival 5–12 February, Sunday 14 February worked)."""

import pytest
import time_machine

from accounts_manager.models import FollowUp, Notice
from common.actors import SYSTEM
from config.celery import BEAT_SCHEDULE
from connections import services, sla
from connections.models import Project, ProjectEvent, ProjectStep
from connections.tasks import check_connection_deadlines
from tests.connections.conftest import at, finish, local

pytestmark = pytest.mark.django_db


def run(*day, hour=10):
    with time_machine.travel(local(*day, hour), tick=False):
        return {k: v for k, v in sla.check_deadlines().items() if v}


@pytest.fixture
def project(applicant, customer_for, mgr_a, sample_calendars):
    # A capacity increase of a customer, low voltage: supply plan due 17 Feb (7 working days),
    # the commitment (6) on 16 Feb.
    with at(2027, 2, 1):
        return applicant(
            kind="increase",
            customer=customer_for(mgr_a),
            supply_scheme="lv",
            voltage_kv="0.4",
            backup_feeder=None,
        )


def test_the_job_is_scheduled():
    assert (
        BEAT_SCHEDULE["connections-check-deadlines"]["task"]
        == "connections.tasks.check_connection_deadlines"
    )


def test_nothing_before_the_warning_window(project):
    # 4 Feb: the commitment ends 16 Feb, three working days (14, 15, 16) away.
    assert run(2027, 2, 4) == {}
    assert run(2027, 2, 12) == {}  # a holiday: still three working days away


def test_warnings_once_in_the_owner_s_day(project, mgr_a):
    # Sunday 14 Feb (a make-up working day): the commitment is two working days away.
    assert run(2027, 2, 14) == {"project_warning": 1}
    # 15 Feb: the supply plan (due 17 Feb) too.
    assert run(2027, 2, 15) == {"step_warning": 1}
    assert run(2027, 2, 15, hour=16) == {}
    followups = FollowUp.objects.filter(manager=mgr_a, kind="connection").order_by("source")
    assert [f.source for f in followups] == [
        f"connection:{project.pk}:supply_plan",
        f"connection:{project.pk}:total",
    ]
    assert Notice.objects.filter(recipient=mgr_a, key__startswith=f"connection:{project.pk}:")


def test_on_the_due_day_nothing_is_missed_yet(project):
    run(2027, 2, 15)
    assert run(2027, 2, 16, hour=17) == {}  # the commitment's own due day
    # 17 Feb: the commitment (16 Feb) is missed, the step (17 Feb) is not.
    assert run(2027, 2, 17) == {"project_breach": 1}
    project.refresh_from_db()
    assert (project.breached, project.escalation_level) == (True, 1)


def test_breach_escalates_to_the_supervisor_and_again_each_working_day(project, sup_east):
    run(2027, 2, 17)
    # 18 Feb: the step's own limit is missed; the day's escalation is that breach's.
    assert run(2027, 2, 18) == {"step_breach": 1}
    project.refresh_from_db()
    assert project.escalation_level == 2
    assert run(2027, 2, 18, hour=15) == {}
    # 19 Feb: another working day in breach, and the regulator's maximum (18 Feb) missed.
    assert run(2027, 2, 19) == {"regulator_breach": 1, "escalation": 1}
    # Saturday and Sunday: no working day, no new level; Monday 22nd: one more.
    assert run(2027, 2, 20) == {}
    assert run(2027, 2, 21) == {}
    assert run(2027, 2, 22) == {"escalation": 1}
    step = ProjectStep.objects.get(project=project, step="supply_plan")
    assert step.regulator_breached and step.breached
    project.refresh_from_db()
    assert project.escalation_level == 4
    keys = set(Notice.objects.filter(recipient=sup_east).values_list("key", flat=True))
    assert keys == {f"connection:{project.pk}:escalation:{n}" for n in (1, 2, 3, 4)}
    escalations = FollowUp.objects.filter(manager=sup_east, kind="connection")
    assert escalations.count() == 4
    assert [f.source for f in escalations.open()] == [f"connection:{project.pk}:escalation:4"]


def test_a_wait_stops_the_clock_and_the_job(project):
    with at(2027, 2, 3, 9):
        services.wait_for_customer(project, acting_user=SYSTEM, reason="缺资料")
    assert run(2027, 2, 22) == {}
    with at(2027, 2, 22, 9):
        services.resume_project(project, acting_user=SYSTEM)
    project.refresh_from_db()
    # Waited 4, 14, 15, 16, 17, 18, 19, 22 Feb: the commitment moves 8 working days.
    assert project.due_on > project.accepted_at.date()
    assert run(2027, 2, 22, hour=12) == {}


def test_finishing_the_step_closes_its_followup(project, mgr_a):
    run(2027, 2, 15)
    with at(2027, 2, 15, 14):
        finish(project)
    assert not FollowUp.objects.open().filter(source=f"connection:{project.pk}:supply_plan")


def test_applicants_are_warned_by_notice(applicant, mgr_a, sample_calendars):
    with at(2027, 2, 1):
        lone = applicant(supply_scheme="lv", voltage_kv="0.4", backup_feeder=None)
    run(2027, 2, 15)
    assert Notice.objects.filter(recipient=mgr_a, key__startswith=f"connection:{lone.pk}:")
    assert not FollowUp.objects.exists()


def test_the_task_runs_the_job(project):
    with time_machine.travel(local(2027, 2, 14), tick=False):
        assert check_connection_deadlines.apply().get()["project_warning"] == 1
    assert ProjectEvent.objects.filter(project=project, kind="warning").count() == 1
    assert Project.objects.get(pk=project.pk).warned_at is not None
