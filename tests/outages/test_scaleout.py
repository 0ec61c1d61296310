"""Scale-out of the notice batch: the bench SMS gateway counts right, and several workers
sharing one batch send every notice exactly once."""

import threading
import urllib.error

import pytest
from django.db import connection

from outages import notices
from outages.channels import OutboundMessage, Sender, SendResult
from outages.channels.sms import HttpSmsSender
from outages.models import Notification
from tests.outages.factories import approved_outage, supplied_customer
from tests.outages.servers import BenchGateway


def use_gateway(settings, gateway: BenchGateway) -> None:
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_TIMEOUT = 5
    settings.OUTAGE_CHANNEL_SENDERS = {"sms": "outages.channels.sms.HttpSmsSender"}


def message(key: str, to: str = "+8613900000001") -> OutboundMessage:
    return OutboundMessage(
        notification_id=1, idempotency_key=key, channel="sms", address=to, subject="", body="停电"
    )


def test_bench_gateway_counts_each_message_once_and_reports_a_resend_as_a_duplicate(settings):
    with BenchGateway() as gateway:
        use_gateway(settings, gateway)
        sender = HttpSmsSender()
        sender.open()
        try:
            first = sender.send(message("k1"))
            again = sender.send(message("k1"))  # a resend after a worker died
            other = sender.send(message("k2", to="+8613900000002"))
        finally:
            sender.close()
        stats = gateway.call("/stats")
        keys = gateway.call("/keys")

    # The resend counts as sent (the provider has it) with the first message's id.
    assert first == SendResult("sent", provider_ref="bench-1")
    assert again == SendResult("sent", provider_ref="bench-1")
    assert other == SendResult("sent", provider_ref="bench-2")
    assert (stats["requests"], stats["messages"], stats["recipients"]) == (3, 2, 2)
    assert (stats["duplicates"], stats["duplicate_keys"], stats["rejected"]) == (1, 1, 0)
    assert sorted(keys) == ["k1", "k2"]


def test_bench_gateway_reset_clears_the_counts_and_a_malformed_message_is_refused(settings):
    with BenchGateway() as gateway:
        use_gateway(settings, gateway)
        sender = HttpSmsSender()
        assert sender.send(message("k1")).outcome == "sent"
        sender.close()
        with pytest.raises(urllib.error.HTTPError) as refused:
            gateway.call("/send", "POST", body=b'{"to": "+8613900000001"}')
        before = gateway.call("/stats")
        gateway.call("/reset", "POST")
        after = gateway.call("/stats")
        assert sender.send(message("k1")).outcome == "sent"  # new again after the reset
        sender.close()
        again = gateway.call("/stats")

    assert refused.value.code == 400
    assert (before["messages"], before["rejected"], before["requests"]) == (1, 1, 2)
    assert (after["messages"], after["requests"], after["duplicates"]) == (0, 0, 0)
    assert (again["messages"], again["duplicates"]) == (1, 0)


class SharedStart(HttpSmsSender):
    """The real SMS sender, whose first message waits until every worker holds a chunk."""

    def __init__(self, barrier: threading.Barrier) -> None:
        super().__init__()
        self.barrier = barrier
        self.waited = False

    def send(self, message: OutboundMessage) -> SendResult:
        if not self.waited:
            self.waited = True
            self.barrier.wait(10)
        return super().send(message)


@pytest.mark.django_db(transaction=True)
def test_two_workers_sharing_a_batch_send_every_notice_exactly_once(grid, sup_east, settings):
    for _ in range(30):
        supplied_customer(grid["e1"], contacts=2)
    outage = approved_outage(sup_east, [grid["e1"]])
    assert notices.plan_notices(outage) == 60
    planned = {n.idempotency_key for n in Notification.objects.all()}
    settings.OUTAGE_NOTIFY_CHUNK_SIZE = 5
    barrier = threading.Barrier(2)
    runs: list[notices.BatchRun] = []
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            sender = SharedStart(barrier)
            runs.append(
                notices.run_batch(outage_id=outage.pk, worker=name, channel_senders={"sms": sender})
            )
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    with BenchGateway(delay=0.002) as gateway:
        use_gateway(settings, gateway)
        threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        stats = gateway.call("/stats")
        received = set(gateway.call("/keys"))

    assert not errors, errors
    assert all(run.chunks > 0 and run.sent > 0 for run in runs) and len(runs) == 2
    assert sum(run.sent for run in runs) == 60
    assert received == planned  # none lost
    assert (stats["messages"], stats["requests"], stats["duplicates"]) == (60, 60, 0)
    assert Notification.objects.filter(status="sent").count() == 60
    assert not Notification.objects.exclude(claimed_by="").exists()


@pytest.mark.django_db(transaction=True)
def test_records_skip_the_wait_for_the_disk_only_while_a_chunk_is_sent(grid, sup_east):
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    supplied_customer(grid["e1"], contacts=2)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    seen: list[str] = []

    class Probe(Sender):
        def send(self, message: OutboundMessage) -> SendResult:
            with connection.cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                seen.append(cursor.fetchone()[0])
            return SendResult("sent")

    notices.run_batch(outage_id=outage.pk, channel_senders={"sms": Probe()})
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        after = cursor.fetchone()[0]

    assert seen == ["off", "off"]
    assert after == "on"
    assert Notification.objects.filter(status="sent").count() == 2
