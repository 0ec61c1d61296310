"""An outage submitted for approval tells the supervisors who approve it, in the product and,
when they chose to, on 企业微信 (an 'approval' message)."""

import pytest

from accounts_manager.models import Notice, WeComMessage
from outages import services
from tests.accounts_manager.wecom_server import turn_channel_on
from tests.factories import UserFactory
from tests.outages.factories import make_outage

pytestmark = pytest.mark.django_db


def test_submitting_an_outage_asks_its_regions_supervisor_for_approval(
    grid, mgr_a, sup_east, settings
):
    turn_channel_on(settings)
    sup_east.wecom_userid = "sup-east"
    sup_east.save(update_fields=["wecom_userid"])
    UserFactory(username="sup_west", region=grid["w1"].region, role="supervisor")
    outage = make_outage(sup_east, [grid["e1"]])

    services.submit_outage(outage, acting_user=sup_east)

    [notice] = Notice.objects.filter(key__startswith=f"outage:{outage.pk}:approval:")
    assert notice.recipient == sup_east and outage.reference in notice.title
    message = WeComMessage.objects.get()
    assert (message.recipient, message.category) == (sup_east, "approval")
    assert message.link == outage.get_absolute_url()


def test_without_a_regional_supervisor_those_over_every_region_are_asked(grid, sup_all):
    sup_east = UserFactory(username="sup_e", region=grid["e1"].region, role="supervisor")
    sup_east.is_active = False
    sup_east.save(update_fields=["is_active"])
    outage = make_outage(sup_all, [grid["e1"]])
    services.submit_outage(outage, acting_user=sup_all)
    assert list(Notice.objects.values_list("recipient__username", flat=True)) == ["sup_all"]


def test_the_submit_request_only_records_the_message_the_task_sends_it_after_commit(
    api, grid, admin_user, sup_east, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from tests.accounts_manager.wecom_server import WeComFake

    cache.clear()
    sup_east.wecom_userid = "sup-east"
    sup_east.save(update_fields=["wecom_userid"])
    outage = make_outage(admin_user, [grid["e1"]])
    with WeComFake(users={"sup-east"}) as fake:
        turn_channel_on(settings, fake.base)
        with django_capture_on_commit_callbacks() as callbacks:
            answer = api(admin_user).post(f"/api/v1/outages/{outage.pk}/submit/")
        assert answer.status_code == 200
        # The request recorded the message and sent nothing.
        assert fake.token_requests == 0 and fake.send_requests == []
        assert WeComMessage.objects.get().status == "pending"

        for callback in callbacks:  # the commit: the outbox publishes, the task sends
            callback()

        [sent] = fake.messages
    assert sent["touser"] == "sup-east" and sent["msgtype"] == "textcard"
    assert outage.reference in sent["textcard"]["title"]
    assert WeComMessage.objects.get().status == "sent"
    cache.clear()
