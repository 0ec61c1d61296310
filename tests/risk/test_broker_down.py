"""Risk scans and a broker that is down or loses the message (issue 11 §6.2): the request
answers 202, the scan runs once the broker is back, and a scan no worker took is dispatched
again, then given up, instead of blocking new scans."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from common import outbox
from common.models import OutboxTask
from config.celery import BEAT_SCHEDULE
from risk import services as risk
from risk.models import RiskScan
from risk.tasks import recover_risk_scans, run_risk_scan
from tests import broker

pytestmark = pytest.mark.django_db

SCANS = "/api/v1/risk-scans/"

broker_down = broker.broker_down


def later(minutes: int):
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False)


def test_a_scan_requested_with_the_broker_down_answers_202_and_runs_when_it_is_back(
    api, sup_east, customer_for, mgr_a, broker_down, django_capture_on_commit_callbacks
):
    customer_for(mgr_a)
    with django_capture_on_commit_callbacks(execute=True):
        started = api(sup_east).post(SCANS)

    assert started.status_code == 202, started.content
    assert started.data["status"] == "queued"
    assert outbox.waiting(run_risk_scan, started.data["id"])

    broker_down.restore()
    assert outbox.drain() == 1
    scan = RiskScan.objects.get(pk=started.data["id"])
    assert (scan.status, scan.customers_scanned) == ("done", 1)


def test_a_scan_waiting_for_the_broker_is_neither_given_up_nor_doubled(
    api, sup_east, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = api(sup_east).post(SCANS).data["id"]
    with later(60):
        # An hour on, the broker is still down: the scan still waits to run, and says so.
        second = api(sup_east).post(SCANS)
        assert second.status_code == 409 and second.data["scan"]["id"] == first
        assert recover_risk_scans() == 0
    assert OutboxTask.objects.count() == 1
    assert RiskScan.objects.get(pk=first).status == "queued"


def test_a_queued_scan_no_worker_took_is_dispatched_again(
    sup_east, customer_for, mgr_a, django_capture_on_commit_callbacks
):
    customer_for(mgr_a)
    # Published, but the message was lost (the broker restarted without its data).
    scan = risk.request_risk_scan(acting_user=sup_east)
    OutboxTask.objects.update(published_at=timezone.now())

    assert recover_risk_scans() == 0  # a scan just queued is left to its worker
    with later(3), django_capture_on_commit_callbacks(execute=True):
        assert risk.recover_queued_scans() == [scan.pk]
    scan.refresh_from_db()
    assert scan.status == "done"


def test_a_queued_scan_never_taken_stops_blocking_new_scans_after_the_timeout(api, sup_east):
    lost = risk.request_risk_scan(acting_user=sup_east)
    OutboxTask.objects.update(published_at=timezone.now())
    with later(10):
        assert api(sup_east).post(SCANS).status_code == 409
    with later(16):
        started = api(sup_east).post(SCANS)
        assert started.status_code == 202
    lost.refresh_from_db()
    assert (lost.status, lost.error) == ("failed", "已放弃：没有后台任务接手此次扫描。")


def test_the_recovery_job_is_in_the_one_beat_schedule():
    entry = BEAT_SCHEDULE["billing-risk-recover-scans"]
    assert entry["task"] == recover_risk_scans.name
