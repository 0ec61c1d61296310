"""The WeCom preferences page (zh-Hans and English) and the channel's status in the admin."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from accounts_manager.models import WeComMessage, WeComMessageStatus, WeComPreference
from tests.accounts_manager.wecom_server import AGENT_ID, CORP_ID, SECRET

pytestmark = pytest.mark.django_db

URL = reverse("accounts_manager:wecom_preferences")


@pytest.fixture
def channel_on(settings):
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_SECRET = SECRET
    settings.WECOM_AGENT_ID = str(AGENT_ID)


def test_preferences_page_shows_the_defaults_in_chinese(client, mgr_a, channel_on):
    mgr_a.wecom_userid = "zhangsan"
    mgr_a.save(update_fields=["wecom_userid"])
    client.force_login(mgr_a)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "企业微信" in html and "zhangsan" in html
    form = response.context["form"]
    assert [form[name].value() for name in ("followups", "escalations", "approvals", "other")] == [
        True,
        True,
        True,
        False,
    ]


def test_preferences_page_in_english(client, mgr_a, channel_on):
    client.force_login(mgr_a)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(URL).content.decode()
    assert "WeCom messages" in html
    assert "Your account has no WeCom user ID" in html


def test_preferences_page_says_when_the_channel_is_off(client, sup_east):
    client.force_login(sup_east)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'data-testid="wecom-off"' in response.content.decode()


def test_saving_preferences_keeps_the_users_choice(client, mgr_a, mgr_b):
    client.force_login(mgr_a)
    response = client.post(URL, {"escalations": "on", "other": "on"})
    assert response.status_code == 302
    choice = WeComPreference.objects.get(user=mgr_a)
    assert (choice.followups, choice.escalations, choice.approvals, choice.other) == (
        False,
        True,
        False,
        True,
    )
    assert not WeComPreference.objects.filter(user=mgr_b).exists()  # only one's own


def test_notices_page_links_to_the_preferences(client, mgr_a):
    client.force_login(mgr_a)
    html = client.get(reverse("accounts_manager:notices")).content.decode()
    assert URL in html


def test_integration_clients_have_no_preferences_page(client, integration):
    client.force_login(integration)
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- admin ------------------------------------------------------------------------------------


def _message(user, key, status):
    return WeComMessage.objects.create(
        recipient=user, key=key, category="escalation", title="t", status=status
    )


def test_admin_shows_the_channel_configured_and_recent_counts(
    client, admin_user, mgr_a, channel_on
):
    _message(mgr_a, "a", WeComMessageStatus.SENT)
    _message(mgr_a, "b", WeComMessageStatus.SENT)
    _message(mgr_a, "c", WeComMessageStatus.FAILED)
    client.force_login(admin_user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("admin:accounts_manager_wecommessage_changelist"))
    assert response.status_code == 200
    status = response.context["wecom"]
    assert (status["configured"], status["sent"], status["failed"]) == (True, 2, 1)
    html = response.content.decode()
    assert 'data-testid="wecom-configured"' in html
    assert "2 sent, 1 failed" in html


def test_admin_shows_the_channel_not_configured(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:accounts_manager_wecommessage_changelist"))
    assert 'data-testid="wecom-not-configured"' in response.content.decode()


def test_admin_edits_the_users_wecom_userid(client, admin_user, mgr_a):
    client.force_login(admin_user)
    html = client.get(reverse("admin:accounts_manager_user_change", args=[mgr_a.pk])).content
    assert b'name="wecom_userid"' in html


def test_admin_sends_failed_messages_again(
    client, admin_user, mgr_a, django_capture_on_commit_callbacks
):
    failed = _message(mgr_a, "a", WeComMessageStatus.FAILED)
    sent = _message(mgr_a, "b", WeComMessageStatus.SENT)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("admin:accounts_manager_wecommessage_changelist"),
            {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
        )
    assert response.status_code == 302
    assert len(callbacks) == 1  # the send is queued on commit, not made in the request
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert failed.status == WeComMessageStatus.PENDING and failed.attempts == 0
    assert sent.status == WeComMessageStatus.SENT


def test_metrics_count_the_messages_by_status(client, admin_user, mgr_a):
    from prometheus_client.parser import text_string_to_metric_families

    _message(mgr_a, "a", WeComMessageStatus.SENT)
    _message(mgr_a, "b", WeComMessageStatus.FAILED)
    _message(mgr_a, "c", WeComMessageStatus.FAILED)
    client.force_login(admin_user)
    text = client.get("/metrics").content.decode()
    [family] = [f for f in text_string_to_metric_families(text) if f.name == "crm_staff_messages"]
    values = {s.labels["status"]: s.value for s in family.samples if s.labels["channel"] == "wecom"}
    assert values == {"sent": 1, "failed": 2}
