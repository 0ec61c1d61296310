"""The e-mail and SMS channels against a real local SMTP server and a local HTTP gateway."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from outages import notices
from outages.models import Notification
from tests.outages.factories import approved_outage, supplied_customer
from tests.outages.servers import SmsGateway, SmtpServer, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_outage(grid, sup_east, mgr_a):
    mgr_a.phone = "13912345678"
    mgr_a.save(update_fields=["phone"])
    customer = supplied_customer(grid["e1"], contacts=1, manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    return outage, customer


def use_gateway(settings, gateway):
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_USERNAME = "crm"
    settings.SMS_GATEWAY_PASSWORD = "s3cret"
    settings.SMS_GATEWAY_TIMEOUT = 0.5
    settings.OUTAGE_CHANNEL_SENDERS = {
        "sms": "outages.channels.sms.HttpSmsSender",
        "email": "outages.channels.email.EmailSender",
    }


def test_sms_goes_to_the_gateway_with_signature_link_and_idempotency_key(settings, sms_outage):
    outage, _customer = sms_outage
    with SmsGateway() as gateway:
        use_gateway(settings, gateway)
        notices.run_batch()
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.provider_ref) == ("sent", 1, "msg-1")
    [request] = gateway.requests
    assert request["to"] == row.address
    assert request["client_ref"] == row.idempotency_key
    assert request["_auth"] == SmsGateway.basic("crm", "s3cret")
    assert request["text"].startswith("【国网供电】")
    assert f"/n/{row.token}/" in request["text"]
    assert "13912345678" in request["text"]
    assert outage.reference in request["text"]


def test_sms_gateway_5xx_is_retried_with_backoff_until_it_goes_through(settings, sms_outage):
    with (
        SmsGateway(script=[(503, {"error": "busy"}), (502, None)]) as gateway,
        time_machine.travel(timezone.now(), tick=False) as traveller,
    ):
        use_gateway(settings, gateway)
        notices.run_batch()
        row = Notification.objects.get()
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error == "SMS gateway HTTP 503: busy"
        traveller.shift(dt.timedelta(seconds=30))
        notices.run_batch()
        traveller.shift(dt.timedelta(seconds=60))
        notices.run_batch()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")
    assert len(gateway.requests) == 3


def test_sms_gateway_4xx_fails_the_notice_with_the_reason(settings, sms_outage):
    with SmsGateway(script=[(400, {"error": "invalid mobile number"})]) as gateway:
        use_gateway(settings, gateway)
        notices.run_batch()
    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "SMS gateway HTTP 400: invalid mobile number"


def test_sms_gateway_timeout_is_retried(settings, sms_outage):
    with SmsGateway(script=["hang"]) as gateway:
        use_gateway(settings, gateway)
        notices.run_batch()
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "SMS gateway: timed out")


def test_sms_gateway_down_is_retried(settings, sms_outage):
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{free_port()}/send"
    settings.OUTAGE_CHANNEL_SENDERS = {"sms": "outages.channels.sms.HttpSmsSender"}
    notices.run_batch()
    row = Notification.objects.get()
    assert row.status == "pending" and row.last_error.startswith("SMS gateway:")


@pytest.fixture
def email_outage(grid, sup_east, mgr_a):
    from tests.factories import ContactFactory

    customer = supplied_customer(grid["e1"], contacts=0, manager=mgr_a)
    ContactFactory(
        customer=customer, preferred_channel="email", email="ok@example.com", language="en"
    )
    ContactFactory(customer=customer, preferred_channel="email", email="gone@example.com")
    ContactFactory(customer=customer, preferred_channel="email", email="later@example.com")
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    return outage


def use_smtp(settings, server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = False
    settings.OUTAGE_CHANNEL_SENDERS = {"email": "outages.channels.email.EmailSender"}


def test_email_through_a_real_smtp_server(settings, email_outage):
    with SmtpServer() as server:
        server.handler.refuse = {
            "gone@example.com": "550 5.1.1 No such mailbox",
            "later@example.com": "451 4.3.0 Try again later",
        }
        use_smtp(settings, server)
        notices.run_batch()
    rows = {n.address: n for n in Notification.objects.all()}
    assert rows["ok@example.com"].status == "sent"
    assert rows["gone@example.com"].status == "failed"
    assert "550" in rows["gone@example.com"].last_error
    assert "No such mailbox" in rows["gone@example.com"].last_error
    assert rows["later@example.com"].status == "pending"
    assert rows["later@example.com"].attempts == 1
    [message] = server.handler.messages
    assert message["to"] == ["ok@example.com"]
    assert f"Message-ID: <{rows['ok@example.com'].idempotency_key}@" in message["content"]
    assert email_outage.reference in message["content"]


def test_email_server_down_is_retried(settings, email_outage):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.OUTAGE_CHANNEL_SENDERS = {"email": "outages.channels.email.EmailSender"}
    notices.run_batch()
    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}
    assert all(n.last_error.startswith("SMTP") for n in Notification.objects.all())


def test_log_channel_writes_each_notice_to_the_file(sent_log, grid, sup_east):
    supplied_customer(grid["e1"], contacts=2)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    notices.run_batch()
    lines = sent_log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert all(outage.reference in line for line in lines)


def test_sms_carries_the_idempotency_key_as_a_header_too(settings, sms_outage):
    with SmsGateway() as gateway:
        use_gateway(settings, gateway)
        notices.run_batch()
    [request] = gateway.requests
    assert request["_idempotency_key"] == Notification.objects.get().idempotency_key


def test_a_notice_whose_key_the_gateway_already_took_counts_as_sent_once(settings, sms_outage):
    """A worker died after the gateway took the message and before recording it: the notice
    goes out again, the gateway answers that it has the key, and the notice is sent, not
    failed and not retried."""
    with SmsGateway(report_duplicates=True) as gateway:
        use_gateway(settings, gateway)
        notices.run_batch()
        row = Notification.objects.get()
        Notification.objects.filter(pk=row.pk).update(status="pending", provider_ref="")
        notices.run_batch()  # the same notice handed to the gateway a second time
    row.refresh_from_db()
    assert (row.status, row.provider_ref, row.last_error) == ("sent", "msg-1", "")
    assert gateway.received[row.idempotency_key] == 2
    assert list(gateway.delivered) == [row.idempotency_key]  # the customer got one message


def test_log_channel_does_not_write_a_key_it_already_has(sent_log, grid, sup_east):
    supplied_customer(grid["e1"], contacts=2)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    notices.run_batch()
    # Both notices go out again (their worker died before recording them).
    Notification.objects.update(status="pending")
    run = notices.run_batch()
    assert run.sent == 2
    assert len(sent_log.read_text(encoding="utf-8").splitlines()) == 2
