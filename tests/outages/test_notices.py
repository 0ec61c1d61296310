import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from outages import notices, services
from outages.channels import OutboundMessage, Sender, SendResult
from outages.models import Notification, OutageStatus
from tests.outages.factories import approved_outage, supplied_customer
from tests.outages.senders import RecordingSender

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorder(settings):
    RecordingSender.received.clear()
    settings.OUTAGE_CHANNEL_SENDERS = {
        "sms": "tests.outages.senders.RecordingSender",
        "email": "tests.outages.senders.RecordingSender",
    }
    return RecordingSender.received


def test_notice_goes_to_every_contact_who_receives_outage_notices(grid, sup_east, mgr_a, recorder):
    from tests.factories import ContactFactory

    customer = supplied_customer(grid["e1"], contacts=2, manager=mgr_a)
    ContactFactory(customer=customer, preferred_channel="email", mobile="")
    ContactFactory(customer=customer, receives_outage_notices=False)
    ContactFactory(customer=customer, mobile="", email="")
    outage = approved_outage(sup_east, [grid["e1"]])
    assert notices.plan_notices(outage) == 3
    channels = sorted(Notification.objects.values_list("channel", flat=True))
    assert channels == ["email", "sms", "sms"]


def test_running_notify_twice_sends_nothing_new(
    grid, sup_east, mgr_a, recorder, django_capture_on_commit_callbacks
):
    for _ in range(3):
        supplied_customer(grid["e1"], contacts=2, manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_outage(outage, acting_user=sup_east)
    outage.refresh_from_db()
    assert outage.status == OutageStatus.NOTIFIED
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_outage(outage, acting_user=sup_east)
    outage.refresh_from_db()
    assert outage.status == OutageStatus.NOTIFIED
    assert Notification.objects.count() == 6
    assert sorted(recorder.values()) == [1] * 6


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(grid, sup_east, recorder):
    supplied_customer(grid["e1"], contacts=3)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        dead = notices.claim_chunk(worker="dead-worker", limit=2)
        assert len(dead) == 2
        run = notices.run_batch(worker="live-worker")
        assert run.sent == 1  # only the unclaimed row
        traveller.shift(dt.timedelta(minutes=5, seconds=1))
        run = notices.run_batch(worker="late-worker")
        assert run.sent == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(recorder.values()) == [1, 1, 1]


def test_a_dead_workers_late_results_do_not_overwrite_the_new_owner(grid, sup_east, recorder):
    supplied_customer(grid["e1"], contacts=1)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    row = Notification.objects.get()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        notices.claim_chunk(worker="slow", limit=10)
        traveller.shift(dt.timedelta(minutes=6))
        assert notices.release_stale_claims() == 1
        assert notices.claim_chunk(worker="new", limit=10) == [row.pk]
        row.status, row.last_error, row.attempts = "failed", "stale result", 1
        notices._record([row], "slow")
    row.refresh_from_db()
    assert (row.status, row.claimed_by) == ("pending", "new")


class FlakySender(Sender):
    """Fails transiently `failures` times, then takes the message."""

    def __init__(self, failures: int):
        self.failures = failures

    def send(self, message: OutboundMessage) -> SendResult:
        if self.failures:
            self.failures -= 1
            return SendResult("retry", error="HTTP 503")
        return SendResult("sent")


def test_transient_failures_are_retried_with_growing_backoff(grid, sup_east):
    supplied_customer(grid["e1"], contacts=1)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    sender = FlakySender(failures=2)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        notices.run_batch(channel_senders={"sms": sender})
        row = Notification.objects.get()
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 503")
        assert row.next_attempt_at == start + dt.timedelta(seconds=30)
        assert notices.run_batch(channel_senders={"sms": sender}).handled == 0  # not due yet
        traveller.shift(dt.timedelta(seconds=30))
        notices.run_batch(channel_senders={"sms": sender})
        row.refresh_from_db()
        assert row.next_attempt_at == timezone.now() + dt.timedelta(seconds=60)
        traveller.shift(dt.timedelta(seconds=60))
        notices.run_batch(channel_senders={"sms": sender})
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")


def test_a_notice_fails_for_good_after_the_last_attempt(grid, sup_east, settings):
    settings.SMS_GATEWAY_MAX_RETRIES = 3
    supplied_customer(grid["e1"], contacts=1)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    sender = FlakySender(failures=10)
    sender.max_attempts = 3
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(3):
            notices.run_batch(channel_senders={"sms": sender})
            traveller.shift(dt.timedelta(hours=1))
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "HTTP 503")


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_a_batch_without_sending_any_notice_twice(grid, sup_east, settings):
    settings.OUTAGE_NOTIFY_CHUNK_SIZE = 7
    for _ in range(40):
        supplied_customer(grid["e1"], contacts=2)
    outage = approved_outage(sup_east, [grid["e1"]])
    assert notices.plan_notices(outage) == 80
    both_hold_a_chunk = threading.Barrier(2, timeout=20)
    received: dict[str, list[str]] = {"a": [], "b": []}

    class Worker(Sender):
        def __init__(self, name):
            self.name = name
            self.first = True

        def send(self, message):
            if self.first:
                # Each worker waits for the other to hold a chunk too: they truly overlap.
                self.first = False
                both_hold_a_chunk.wait()
            received[self.name].append(message.idempotency_key)
            return SendResult("sent")

    def work(name):
        try:
            notices.run_batch(
                outage_id=outage.pk, worker=f"worker-{name}", channel_senders={"sms": Worker(name)}
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = received["a"] + received["b"]
    assert len(keys) == 80 and len(set(keys)) == 80
    assert received["a"] and received["b"]
    assert Notification.objects.filter(status="sent").count() == 80
    outage.refresh_from_db()
    assert outage.status == OutageStatus.APPROVED  # planned directly: notify was not called


def test_reschedule_cancel_and_restoration_go_to_the_same_people(
    grid, sup_east, mgr_a, recorder, django_capture_on_commit_callbacks
):
    told = supplied_customer(grid["e1"], contacts=2, manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_outage(outage, acting_user=sup_east)
    from tests.factories import ContactFactory

    ContactFactory(customer=told)  # added after the notice: not one of "the same people"
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule_outage(
            outage,
            acting_user=sup_east,
            start=outage.start + dt.timedelta(days=1),
            end=outage.end + dt.timedelta(days=1),
        )
        services.reschedule_outage(
            outage,
            acting_user=sup_east,
            start=outage.start + dt.timedelta(days=2),
            end=outage.end + dt.timedelta(days=2),
        )
    outage.refresh_from_db()
    services.start_outage(outage, acting_user=sup_east)
    with django_capture_on_commit_callbacks(execute=True):
        services.complete_outage(outage, acting_user=sup_east)
    by_kind = {}
    for kind, revision in Notification.objects.values_list("kind", "revision"):
        by_kind.setdefault((kind, revision), 0)
        by_kind[(kind, revision)] += 1
    assert by_kind == {("notice", 0): 2, ("change", 1): 2, ("change", 2): 2, ("restoration", 0): 2}
    assert set(recorder.values()) == {1}


def test_cancelling_drops_unsent_notices_and_tells_those_already_told(grid, sup_east, recorder):
    supplied_customer(grid["e1"], contacts=4)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    # Two notices went out before the cancellation; two are still waiting.
    first_two = list(Notification.objects.order_by("id").values_list("id", flat=True)[:2])
    Notification.objects.filter(id__in=first_two).update(status="sent", sent_at=timezone.now())
    services.cancel_outage(outage, acting_user=sup_east, reason="天气原因")
    statuses = dict(Notification.objects.filter(kind="notice").values_list("id", "status"))
    assert sorted(statuses.values()) == ["failed", "failed", "sent", "sent"]
    cancelled = Notification.objects.filter(kind="cancellation")
    assert sorted(cancelled.values_list("contact_id", flat=True)) == sorted(
        Notification.objects.filter(id__in=first_two).values_list("contact_id", flat=True)
    )


class CrashingSender(Sender):
    """Takes `good` messages, then the process 'dies' (an exception it cannot handle)."""

    record_every = 1

    def __init__(self, good: int):
        self.good = good
        self.sent: list[str] = []

    def send(self, message: OutboundMessage) -> SendResult:
        if len(self.sent) >= self.good:
            raise RuntimeError("worker crashed")
        self.sent.append(message.idempotency_key)
        return SendResult("sent")


@pytest.mark.parametrize(
    "sender_path",
    ["outages.channels.logfile.LogFileSender", "outages.channels.sms.HttpSmsSender"],
)
def test_every_channel_that_sends_records_each_notice_right_after_sending_it(sender_path):
    from django.utils.module_loading import import_string

    assert import_string(sender_path).record_every == 1


def test_a_crash_mid_chunk_keeps_what_was_sent_and_gives_the_rest_back_at_once(grid, sup_east):
    supplied_customer(grid["e1"], contacts=6)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    crashing = CrashingSender(good=2)
    with pytest.raises(RuntimeError):
        notices.run_batch(worker="w1", channel_senders={"sms": crashing, "email": crashing})
    assert Notification.objects.filter(status="sent").count() == 2  # recorded one by one
    # The other four are claimable now, not after the lease.
    assert Notification.objects.filter(status="pending", claimed_by="").count() == 4
    later = RecordingSender()
    RecordingSender.received.clear()
    assert notices.run_batch(worker="w2", channel_senders={"sms": later, "email": later}).sent == 4
    assert set(RecordingSender.received).isdisjoint(crashing.sent)


def test_the_lease_covers_a_heartbeat_not_a_whole_chunk(settings):
    # Renewed every third of the lease between messages, so a lease of a minute covers the
    # interval plus the slowest single send.
    assert dt.timedelta(minutes=1) >= settings.OUTAGE_NOTIFY_LEASE
    slowest = max(settings.SMS_GATEWAY_TIMEOUT, settings.EMAIL_TIMEOUT)
    assert settings.OUTAGE_NOTIFY_LEASE / 3 + dt.timedelta(seconds=slowest) < (
        settings.OUTAGE_NOTIFY_LEASE
    )


def test_a_slow_chunk_keeps_its_rows_by_a_heartbeat_however_long_it_takes(grid, sup_east):
    """Each send takes 25 s (a gateway at its timeout): six take 2.5 minutes, more than the
    lease, yet no other worker could take one of the rows still to send."""
    supplied_customer(grid["e1"], contacts=6)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)

    class SlowSender(Sender):
        def __init__(self, traveller):
            self.traveller = traveller
            self.free_for_others: list[int] = []

        def send(self, message):
            self.traveller.shift(dt.timedelta(seconds=25))
            self.free_for_others.append(notices.claimable(timezone.now()).count())
            return SendResult("sent")

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        slow = SlowSender(traveller)
        run = notices.run_batch(worker="slow", channel_senders={"sms": slow, "email": slow})
    assert run.sent == 6
    assert slow.free_for_others == [0] * 6
