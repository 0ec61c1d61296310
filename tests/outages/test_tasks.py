import datetime as dt
import random

import pytest
import time_machine
from django.utils import timezone

from config.celery import BEAT_SCHEDULE
from devtools.demo import outages as demo_data
from outages import notices, tasks
from outages.models import Notification, OutageStatus, PlannedOutage
from tests.factories import FeederFactory
from tests.outages.factories import approved_outage, supplied_customer

pytestmark = pytest.mark.django_db


def test_outage_jobs_are_in_the_beat_schedule():
    scheduled = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {
        "outages.tasks.resume_outage_notifications",
        "outages.tasks.escalate_unconfirmed_important_customers",
        "outages.tasks.refresh_upcoming_outage_impacts",
    } <= scheduled


def test_resume_job_sends_rows_left_by_a_dead_worker(grid, sup_east, sent_log):
    supplied_customer(grid["e1"], contacts=3)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        notices.claim_chunk(worker="died", limit=10)
        assert tasks.resume_outage_notifications() == 0  # still under the dead worker's lease
        traveller.shift(dt.timedelta(minutes=6))
        assert tasks.resume_outage_notifications() == 1  # the task runs eagerly in tests
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert len(sent_log.read_text().splitlines()) == 3


def test_escalation_job_is_idempotent(grid, sup_east, mgr_a):
    supplied_customer(grid["e1"], manager=mgr_a, importance="level1")
    start = timezone.now() + dt.timedelta(days=8)
    outage = approved_outage(sup_east, [grid["e1"]], start=start)
    with time_machine.travel(start - dt.timedelta(hours=30), tick=False):
        assert tasks.escalate_unconfirmed_important_customers() == 1
        assert tasks.escalate_unconfirmed_important_customers() == 0
    assert outage.events.filter(action="escalated").count() == 1


def test_demo_data_runs_the_workflow_once(
    grid, east, sup_east, mgr_a, integration, tmp_path, settings
):
    settings.OUTAGE_NOTICE_LOG_FILE = tmp_path / "demo.log"
    feeders = [grid["e1"], grid["e2"], grid["e3"]] + [
        FeederFactory(substation=grid["e1"].substation, region=east) for _ in range(5)
    ]
    for feeder in feeders:
        supplied_customer(feeder, contacts=2, manager=mgr_a)
        supplied_customer(feeder, contacts=1, manager=mgr_a, importance="level2")
    assert demo_data.seed(random.Random(1)) == 7
    statuses = set(PlannedOutage.objects.values_list("status", flat=True))
    assert statuses == {
        OutageStatus.NOTIFIED,
        OutageStatus.APPROVED,
        OutageStatus.SUBMITTED,
        OutageStatus.DRAFT,
        OutageStatus.IN_PROGRESS,
        OutageStatus.COMPLETED,
        OutageStatus.CANCELLED,
    }
    assert Notification.objects.filter(status="confirmed").exists()
    assert demo_data.seed(random.Random(1)) == 0
