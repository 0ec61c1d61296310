import pytest

from outages import notices
from outages.models import Notification
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
    assert "客户经理经理甲，电话 0571-87001234" in body
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
