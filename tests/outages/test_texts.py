import datetime as dt

import pytest

from outages import notices
from outages.models import Notification, PlannedOutage
from tests.factories import ContactFactory
from tests.outages.factories import approved_outage, supplied_customer
from tests.outages.senders import RecordingSender

pytestmark = pytest.mark.django_db


class Capture(RecordingSender):
    messages: list = []

    def send(self, message):
        type(self).messages.append(message)
        return super().send(message)


@pytest.fixture
def sent(grid, sup_east, mgr_a):
    mgr_a.phone = "0571-87001234"
    mgr_a.save(update_fields=["phone"])
    customer = supplied_customer(
        grid["e1"], grid["e2"], contacts=0, manager=mgr_a, name="东湖第一医院"
    )
    ContactFactory(customer=customer, language="zh-hans")
    ContactFactory(customer=customer, language="en")
    outage = approved_outage(sup_east, [grid["e1"]], reason="10kV开关柜更换", area="东湖路以北")
    notices.plan_notices(outage)
    Capture.messages = []
    notices.run_batch(channel_senders={"sms": Capture()})
    by_language = {}
    for message in Capture.messages:
        language = Notification.objects.get(pk=message.notification_id).contact.language
        by_language[language] = message
    return outage, by_language


def test_notice_in_chinese_says_what_where_when_who_and_how_to_confirm(sent):
    outage, by_language = sent
    body = by_language["zh-hans"].body
    assert body.startswith(f"停电通知（{outage.reference}）东湖第一医院：因10kV开关柜更换")
    assert "10kV东湖一线 (E1) · 东湖路以北" in body
    assert "恢复供电" in body
    assert "您的客户经理：经理甲，电话 0571-87001234。" in body
    assert "贵单位仍由另一路电源供电" in body  # dual supply: partial impact
    token = Notification.objects.get(pk=by_language["zh-hans"].notification_id).token
    assert body.endswith(f"收到请点击确认：http://127.0.0.1:8000/n/{token}/")


def test_notice_in_english_for_contacts_who_read_english(sent):
    _outage, by_language = sent
    body = by_language["en"].body
    assert body.startswith("Outage notice")
    assert "Supply is expected back by" in body
    assert "Please confirm receipt: http://127.0.0.1:8000/n/" in body


def test_labels_keep_their_outage_meaning_in_chinese():
    from django.utils import translation

    from outages.models import ACTION_LABELS, NotificationStatus, OutageStatus

    with translation.override("zh-hans"):
        # Other parts translate the same English words differently (a pending promise, a
        # payment channel): the outage labels carry their own context.
        assert str(NotificationStatus.PENDING.label) == "待发送"
        assert str(OutageStatus.APPROVED.label) == "已批准"
        assert str(OutageStatus.COMPLETED.label) == "已送电"
        assert str(ACTION_LABELS["cancel"]) == "取消停电"


# --- every text, every combination ------------------------------------------------------------

START = dt.datetime(2031, 3, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
OUTAGE = PlannedOutage(
    reference="TD2031-0007",
    reason="10kV开关柜更换",
    area="东湖路以北",
    start=START,
    end=START + dt.timedelta(hours=6),
    completed_at=START + dt.timedelta(hours=5, minutes=30),
)
WHERE = "10kV东湖一线 (E1) · 东湖路以北"
LINK = "https://crm.example.com/n/abc/"

# (kind, impact) -> language -> (subject, first sentence)
MAIN = {
    ("notice", "full"): {
        "zh-hans": (
            "停电通知 TD2031-0007",
            f"停电通知（TD2031-0007）东湖医院：因10kV开关柜更换，{WHERE} 将于 2031-03-01 09:00 "
            "至 2031-03-01 15:00 停电，预计 2031-03-01 15:00 恢复供电。",
        ),
        "en": (
            "Outage notice TD2031-0007",
            f"Outage notice TD2031-0007 for 东湖医院: because of 10kV开关柜更换, supply from "
            f"{WHERE} will be cut from 2031-03-01 09:00 to 2031-03-01 15:00. Supply is expected "
            "back by 2031-03-01 15:00.",
        ),
    },
    ("change", "full"): {
        "zh-hans": (
            "停电时间变更 TD2031-0007",
            f"停电时间变更（TD2031-0007）东湖医院：{WHERE} 停电时间调整为 2031-03-01 09:00 至 "
            "2031-03-01 15:00，预计 2031-03-01 15:00 恢复供电。",
        ),
        "en": (
            "Outage TD2031-0007 rescheduled",
            f"Change to outage TD2031-0007 for 东湖医院: supply from {WHERE} will now be cut "
            "from 2031-03-01 09:00 to 2031-03-01 15:00. Supply is expected back by "
            "2031-03-01 15:00.",
        ),
    },
    ("cancellation", "full"): {
        "zh-hans": (
            "取消停电 TD2031-0007",
            "取消停电通知（TD2031-0007）东湖医院：原定 2031-03-01 09:00 至 2031-03-01 15:00 "
            f"的停电（{WHERE}）已取消，将正常供电。",
        ),
        "en": (
            "Outage TD2031-0007 cancelled",
            f"Outage TD2031-0007 for 东湖医院 ({WHERE}, 2031-03-01 09:00 to 2031-03-01 15:00) "
            "is cancelled; supply continues as normal.",
        ),
    },
    ("cancellation", None): {
        "zh-hans": (
            "停电计划 TD2031-0007 不再影响贵单位",
            "停电计划（TD2031-0007，2031-03-01 09:00 至 2031-03-01 15:00）不再影响 东湖医院 "
            "的供电，将正常供电。",
        ),
        "en": (
            "Outage TD2031-0007 no longer affects you",
            "Outage TD2031-0007 (2031-03-01 09:00 to 2031-03-01 15:00) no longer affects the "
            "supply of 东湖医院; supply continues as normal.",
        ),
    },
    ("restoration", "full"): {
        "zh-hans": (
            "恢复送电通知 TD2031-0007",
            f"恢复送电通知（TD2031-0007）东湖医院：{WHERE} 已于 2031-03-01 14:30 恢复供电。",
        ),
        "en": (
            "Supply restored after outage TD2031-0007",
            f"Supply to 东湖医院 from {WHERE} was restored at 2031-03-01 14:30 after outage "
            "TD2031-0007.",
        ),
    },
}
PARTIAL = {
    "zh-hans": "贵单位仍由另一路电源供电，请提前做好倒闸切换准备。",
    "en": "Your site stays supplied from another feeder; check that the transfer is ready.",
}
# (manager name, manager phone) -> language -> whom to call
WHO = {
    ("张伟", "0571-87001234"): {
        "zh-hans": "您的客户经理：张伟，电话 0571-87001234。",
        "en": "Your account manager is 张伟, phone 0571-87001234.",
    },
    ("张伟", ""): {
        "zh-hans": "您的客户经理：张伟；如需帮助，请拨打供电服务热线 95598。",
        "en": "Your account manager is 张伟; for help, call the service hotline 95598.",
    },
    ("", "0571-87001234"): {
        "zh-hans": "您的客户经理电话：0571-87001234。",
        "en": "Your account manager's phone is 0571-87001234.",
    },
    ("", ""): {
        "zh-hans": "如需帮助，请拨打供电服务热线 95598。",
        "en": "For help, call the service hotline 95598.",
    },
}
CONFIRM = {"zh-hans": f"收到请点击确认：{LINK}", "en": f"Please confirm receipt: {LINK}"}
COMBINATIONS = [
    (kind, impact, manager, language)
    for kind, main_impact in MAIN
    for impact in ([main_impact] if main_impact is None else ["full", "partial"])
    for manager in WHO
    for language in ("zh-hans", "en")
]


@pytest.mark.parametrize(("kind", "impact", "manager", "language"), COMBINATIONS)
def test_every_notice_text_reads_right_in_every_combination(kind, impact, manager, language):
    from outages.texts import NoticeContext, render

    context = NoticeContext(
        outage=OUTAGE,
        feeders="10kV东湖一线 (E1)",
        customer_name="东湖医院",
        impact=impact,
        manager_name=manager[0],
        manager_phone=manager[1],
        confirm_url=LINK,
    )
    subject, body = render(kind, context, language=language)

    expected_subject, first = MAIN[(kind, "full" if impact == "partial" else impact)][language]
    sentences = [first]
    if impact == "partial" and kind in ("notice", "change"):
        sentences.append(PARTIAL[language])
    sentences += [WHO[manager][language], CONFIRM[language]]
    assert subject == expected_subject
    assert body == ("" if language == "zh-hans" else " ").join(sentences)


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_customer_without_a_manager_is_sent_to_the_hotline_on_every_channel(
    grid, sup_east, channel, language
):
    customer = supplied_customer(grid["e1"], contacts=0, name="无经理工厂")
    ContactFactory(
        customer=customer,
        language=language,
        preferred_channel=channel,
        mobile="13800000001",
        email="ops@example.com",
    )
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    Capture.messages = []
    notices.run_batch(channel_senders={channel: Capture()})
    (message,) = Capture.messages
    assert message.channel == channel
    assert WHO[("", "")][language] in message.body
    assert "客户经理您的" not in message.body and "your account manager" not in message.body
