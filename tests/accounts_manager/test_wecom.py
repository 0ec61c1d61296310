"""企业微信 application messages to staff, against a local fake of the WeCom API over HTTP:
recorded with the event (never sent in the transaction), sent after the commit, once per user
and event, as each user chose; the token handshake, its refresh, retries and failures."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts_manager import staff_messages
from accounts_manager.models import (
    FollowUpKind,
    Notice,
    NoticeCategory,
    WeComMessage,
    WeComMessageStatus,
)
from accounts_manager.services import notify_user, raise_followup
from tests.accounts_manager.wecom_server import AGENT_ID, CORP_ID, SECRET, WeComFake

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake(settings):
    cache.clear()
    with WeComFake(users={"zhangsan", "lisi"}) as server:
        settings.WECOM_CORP_ID = CORP_ID
        settings.WECOM_SECRET = SECRET
        settings.WECOM_AGENT_ID = str(AGENT_ID)
        settings.WECOM_API_BASE = server.base
        settings.PUBLIC_BASE_URL = "https://crm.example.cn"
        yield server
    cache.clear()


@pytest.fixture
def zhangsan(mgr_a):
    mgr_a.wecom_userid = "zhangsan"
    mgr_a.save(update_fields=["wecom_userid"])
    return mgr_a


def notify(user, key="complaint:1:escalation:1", category=NoticeCategory.ESCALATION, **kw):
    kw.setdefault("title", "升级第1级：投诉超期")
    kw.setdefault("link", "/complaints/1/")
    return notify_user(user, key=key, category=category, **kw)


# --- recording and sending after the commit -------------------------------------------------


def test_new_followup_reaches_its_manager_after_the_commit(
    fake, zhangsan, customer_for, django_capture_on_commit_callbacks
):
    customer = customer_for(zhangsan, name="华东钢铁")
    with django_capture_on_commit_callbacks() as callbacks:
        followup, created = raise_followup(
            customer,
            kind=FollowUpKind.COMPLAINT,
            source="complaint:9:ack",
            summary="联系客户受理投诉",
            due_at=timezone.now() + dt.timedelta(hours=4),
        )
    # Recorded in the transaction; nothing went to WeCom yet.
    assert created
    message = WeComMessage.objects.get()
    assert (message.recipient, message.key, message.category, message.status) == (
        zhangsan,
        f"followup:{followup.pk}",
        NoticeCategory.FOLLOWUP,
        WeComMessageStatus.PENDING,
    )
    assert fake.send_requests == [] and fake.token_requests == 0
    assert len(callbacks) == 1

    callbacks[0]()  # the commit: the task runs (eagerly in the tests)

    [sent] = fake.messages
    assert sent["touser"] == "zhangsan"
    assert sent["agentid"] == AGENT_ID
    assert sent["msgtype"] == "textcard"
    assert "联系客户受理投诉" in sent["textcard"]["description"]
    assert sent["textcard"]["url"] == f"https://crm.example.cn{customer.get_absolute_url()}"
    assert sent["textcard"]["btntxt"] == "详情"
    assert sent["enable_duplicate_check"] == 1
    message.refresh_from_db()
    assert message.status == WeComMessageStatus.SENT
    assert message.attempts == 1 and message.msgid == "msg-1" and message.sent_at is not None


def test_escalation_notice_reaches_the_supervisor_in_app_and_on_wecom(
    fake, zhangsan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice, created = notify(zhangsan, body="客户华东钢铁的投诉已超期")
    assert created and Notice.objects.filter(pk=notice.pk).exists()
    [sent] = fake.messages
    assert sent["textcard"]["title"] == "升级第1级：投诉超期"
    assert WeComMessage.objects.get().key == "notice:complaint:1:escalation:1"


def test_a_notice_without_link_is_sent_as_text(fake, zhangsan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(zhangsan, link="", body="正文")
    [sent] = fake.messages
    assert sent["msgtype"] == "text"
    assert sent["text"]["content"] == "升级第1级：投诉超期\n正文"


def test_one_message_per_user_and_event(fake, zhangsan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(zhangsan)
        notify(zhangsan)
        staff_messages.queue_wecom_message(
            zhangsan,
            key="notice:complaint:1:escalation:1",
            category=NoticeCategory.ESCALATION,
            title="again",
        )
    assert WeComMessage.objects.count() == 1
    assert len(fake.messages) == 1
    # A sent message is not sent again by another task or the minute job.
    message = WeComMessage.objects.get()
    assert staff_messages.send_message(message.pk) == "skipped"
    assert staff_messages.send_due_messages() == {}
    assert len(fake.send_requests) == 1


def test_a_message_held_by_another_worker_is_not_sent_twice(fake, zhangsan):
    message = staff_messages.queue_wecom_message(
        zhangsan, key="k", category=NoticeCategory.ESCALATION, title="t"
    )
    assert message is not None
    now = timezone.now()
    WeComMessage.objects.filter(pk=message.pk).update(claimed_at=now)
    assert staff_messages.send_message(message.pk, now=now + dt.timedelta(seconds=30)) == "skipped"
    assert fake.send_requests == []
    # A worker that died: its claim lapses and the minute job sends the message.
    later = now + dt.timedelta(minutes=3)
    assert staff_messages.send_due_messages(now=later) == {"sent": 1}
    assert len(fake.messages) == 1


def test_a_message_whose_task_was_lost_is_sent_by_the_minute_job(
    fake, zhangsan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down
        notify(zhangsan)
    assert fake.send_requests == []
    assert staff_messages.send_due_messages() == {"sent": 1}
    assert WeComMessage.objects.get().status == WeComMessageStatus.SENT


# --- who receives what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "choices", "recorded"),
    [
        (NoticeCategory.ESCALATION, {}, True),
        (NoticeCategory.FOLLOWUP, {}, True),
        (NoticeCategory.APPROVAL, {}, True),
        (NoticeCategory.OTHER, {}, False),  # off unless chosen
        (NoticeCategory.OTHER, {"other": True}, True),
        (NoticeCategory.ESCALATION, {"escalations": False}, False),
        (NoticeCategory.APPROVAL, {"approvals": False}, False),
        (NoticeCategory.FOLLOWUP, {"followups": False, "escalations": True}, False),
    ],
)
def test_preferences_decide_which_notices_go_to_wecom(
    fake, zhangsan, category, choices, recorded, django_capture_on_commit_callbacks
):
    if choices:
        staff_messages.set_wecom_preference(zhangsan, choices=choices)
    with django_capture_on_commit_callbacks(execute=True):
        _notice, created = notify(zhangsan, category=category)
    assert created  # the in-app notice is posted either way
    assert WeComMessage.objects.exists() is recorded
    assert len(fake.messages) == int(recorded)


def test_users_without_wecom_userid_or_inactive_get_nothing(fake, mgr_a, zhangsan, mgr_b):
    notify(mgr_b)  # no WeCom UserID
    zhangsan.is_active = False
    zhangsan.save(update_fields=["is_active"])
    notify(zhangsan)
    assert not WeComMessage.objects.exists()
    assert Notice.objects.count() == 2


@pytest.mark.parametrize("missing", ["WECOM_CORP_ID", "WECOM_SECRET", "WECOM_AGENT_ID"])
def test_channel_is_off_without_its_settings(
    fake, zhangsan, settings, missing, django_capture_on_commit_callbacks
):
    setattr(settings, missing, "")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notice, created = notify(zhangsan)
    assert created and callbacks == []
    assert not WeComMessage.objects.exists()
    assert fake.token_requests == 0 and fake.send_requests == []


def test_messages_recorded_before_the_channel_was_turned_off_wait(fake, zhangsan, settings):
    notify(zhangsan)
    settings.WECOM_SECRET = ""
    assert staff_messages.send_due_messages() == {}
    assert WeComMessage.objects.get().status == WeComMessageStatus.PENDING
    assert fake.send_requests == []


# --- the access token ------------------------------------------------------------------------


def test_the_token_is_fetched_once_and_reused(fake, zhangsan, mgr_b):
    mgr_b.wecom_userid = "lisi"
    mgr_b.save(update_fields=["wecom_userid"])
    notify(zhangsan)
    notify(mgr_b)
    assert staff_messages.send_due_messages() == {"sent": 2}
    assert fake.token_requests == 1
    assert {r["token"] for r in fake.send_requests} == {"token-1"}


@pytest.mark.parametrize("stale", ["expired", "invalid"])
def test_an_expired_or_invalid_token_is_refreshed_and_the_message_sent(fake, zhangsan, stale):
    notify(zhangsan, key="first")
    staff_messages.send_due_messages()
    if stale == "expired":
        fake.expire_tokens()  # 42001
    else:
        fake.valid_tokens.clear()  # the API no longer knows it: 40014
    notify(zhangsan, key="second")
    assert staff_messages.send_due_messages() == {"sent": 1}
    assert fake.token_requests == 2
    assert [r["token"] for r in fake.send_requests] == ["token-1", "token-1", "token-2"]
    assert len(fake.messages) == 2


def test_a_token_cached_past_its_lifetime_is_fetched_again(fake, zhangsan, time_machine):
    fake.expires_in = 400  # kept 100 s (a margin of 300 s)
    time_machine.move_to(NOW)
    notify(zhangsan, key="first")
    staff_messages.send_due_messages()
    time_machine.move_to(NOW + dt.timedelta(seconds=150))
    notify(zhangsan, key="second")
    staff_messages.send_due_messages()
    assert fake.token_requests == 2
    assert [r["token"] for r in fake.send_requests] == ["token-1", "token-2"]


def test_a_wrong_secret_is_retried_not_failed(fake, zhangsan, settings):
    settings.WECOM_SECRET = "wrong"
    notify(zhangsan)
    assert staff_messages.send_due_messages() == {"retry": 1}
    message = WeComMessage.objects.get()
    assert message.status == WeComMessageStatus.PENDING
    assert "40001" in message.last_error


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("errcode", [-1, 45009])
def test_a_transient_error_is_retried_after_a_backoff(fake, zhangsan, errcode):
    fake.script = [errcode, errcode]
    message = staff_messages.queue_wecom_message(
        zhangsan, key="k", category=NoticeCategory.ESCALATION, title="t"
    )
    assert message is not None
    WeComMessage.objects.filter(pk=message.pk).update(next_attempt_at=NOW)

    assert staff_messages.send_message(message.pk, now=NOW) == "retry"
    message.refresh_from_db()
    assert message.status == WeComMessageStatus.PENDING and message.attempts == 1
    assert message.next_attempt_at == NOW + dt.timedelta(seconds=30)
    assert str(errcode) in message.last_error

    # Not before its time; then a second failure waits twice as long.
    assert staff_messages.send_due_messages(now=NOW + dt.timedelta(seconds=29)) == {}
    assert staff_messages.send_due_messages(now=NOW + dt.timedelta(seconds=30)) == {"retry": 1}
    message.refresh_from_db()
    assert message.next_attempt_at == NOW + dt.timedelta(seconds=90)

    assert staff_messages.send_due_messages(now=NOW + dt.timedelta(seconds=90)) == {"sent": 1}
    message.refresh_from_db()
    assert message.status == WeComMessageStatus.SENT and message.attempts == 3
    assert message.last_error == ""
    assert len(fake.messages) == 1


def test_transient_errors_fail_the_message_after_the_last_attempt(fake, zhangsan, settings):
    settings.WECOM_MAX_ATTEMPTS = 3
    fake.script = [-1] * 5
    notify(zhangsan)
    WeComMessage.objects.update(next_attempt_at=NOW)
    outcomes = [staff_messages.send_due_messages(now=NOW + dt.timedelta(hours=n)) for n in range(4)]
    assert outcomes == [{"retry": 1}, {"retry": 1}, {"failed": 1}, {}]
    message = WeComMessage.objects.get()
    assert message.status == WeComMessageStatus.FAILED and message.attempts == 3
    assert "-1" in message.last_error


def test_an_unknown_user_is_a_permanent_failure_recorded_at_once(fake, zhangsan):
    zhangsan.wecom_userid = "wangwu"  # not in the company's address book
    zhangsan.save(update_fields=["wecom_userid"])
    notify(zhangsan)
    assert staff_messages.send_due_messages() == {"failed": 1}
    message = WeComMessage.objects.get()
    assert message.status == WeComMessageStatus.FAILED and message.attempts == 1
    assert "81013" in message.last_error
    assert staff_messages.send_due_messages() == {}
    assert len(fake.send_requests) == 1


def test_an_unreachable_api_is_transient(fake, zhangsan, settings):
    settings.WECOM_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    notify(zhangsan)
    assert staff_messages.send_due_messages() == {"retry": 1}
    assert WeComMessage.objects.get().status == WeComMessageStatus.PENDING


def test_failed_messages_can_be_sent_again(fake, zhangsan, django_capture_on_commit_callbacks):
    zhangsan.wecom_userid = "wangwu"
    zhangsan.save(update_fields=["wecom_userid"])
    notify(zhangsan)
    staff_messages.send_due_messages()
    zhangsan.wecom_userid = "zhangsan"  # the administrator fixed the UserID
    zhangsan.save(update_fields=["wecom_userid"])
    message = WeComMessage.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_messages.retry_failed_messages([message.pk]) == 1
    message.refresh_from_db()
    assert message.status == WeComMessageStatus.SENT
    assert fake.messages[0]["touser"] == "zhangsan"


def test_at_most_the_per_minute_limit_goes_to_one_user_the_rest_wait(fake, zhangsan, settings):
    settings.WECOM_PER_USER_PER_MINUTE = 2
    for n in range(3):
        notify(zhangsan, key=f"event:{n}")
    now = timezone.now()
    assert staff_messages.send_due_messages(now=now) == {"sent": 2, "deferred": 1}
    waiting = WeComMessage.objects.get(status=WeComMessageStatus.PENDING)
    assert waiting.attempts == 0 and waiting.next_attempt_at == now + dt.timedelta(minutes=1)
    assert staff_messages.send_due_messages(now=now + dt.timedelta(seconds=30)) == {}
    assert staff_messages.send_due_messages(now=now + dt.timedelta(minutes=1)) == {"sent": 1}
    assert len(fake.messages) == 3
