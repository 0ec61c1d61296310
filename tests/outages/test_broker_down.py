"""Notify with the broker down: the request answers 202, the batch waits in the outbox, and
it is sent once the broker is back (issue 11 §6.2)."""

import pytest

from common import outbox
from common.models import OutboxTask
from outages.models import Notification, OutageStatus
from outages.tasks import send_outage_notifications
from tests import broker
from tests.outages.factories import approved_outage, supplied_customer

pytestmark = pytest.mark.django_db

broker_down = broker.broker_down


def test_notify_with_the_broker_down_answers_202_and_sends_once_the_broker_is_back(
    api, grid, sup_east, mgr_a, sent_log, broker_down, django_capture_on_commit_callbacks
):
    supplied_customer(grid["e1"], contacts=2, manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])

    with django_capture_on_commit_callbacks(execute=True):
        response = api(sup_east).post(f"/api/v1/outages/{outage.pk}/notify/")

    assert response.status_code == 202, response.content
    assert response.json()["status"] == "notifying"
    assert outbox.waiting(send_outage_notifications, outage.pk)
    assert Notification.objects.filter(outage=outage, status="pending").count() == 2

    broker_down.restore()
    assert outbox.drain() == 1
    outage.refresh_from_db()
    assert outage.status == OutageStatus.NOTIFIED
    assert Notification.objects.filter(outage=outage, status="sent").count() == 2
    assert not OutboxTask.objects.filter(published_at__isnull=True).exists()


def test_the_notify_page_with_the_broker_down_redirects_as_usual(
    client, grid, sup_east, mgr_a, sent_log, broker_down, django_capture_on_commit_callbacks
):
    supplied_customer(grid["e1"], contacts=1, manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])
    client.force_login(sup_east)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/outages/{outage.pk}/notify/")

    assert response.status_code == 302
    assert outbox.waiting(send_outage_notifications, outage.pk)
