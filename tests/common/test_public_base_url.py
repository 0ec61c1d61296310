"""Links sent out use the address the product is served on (issue 11 §5)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import public_base_url
from outages import notices
from outages.channels import Sender, SendResult
from tests.outages.factories import approved_outage, supplied_customer

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"CRM_PORT": "8101"}, "http://127.0.0.1:8101"),
        (
            {"CRM_PORT": "8101", "PUBLIC_BASE_URL": "https://crm.example.com/"},
            "https://crm.example.com",
        ),
        ({"SITE_URL": "https://old.example.com"}, "https://old.example.com"),
        (
            {"SITE_URL": "https://old.example.com", "PUBLIC_BASE_URL": "https://crm.example.com"},
            "https://crm.example.com",
        ),
        ({"PUBLIC_BASE_URL": "", "CRM_PORT": ""}, "http://127.0.0.1:8000"),
    ],
)
def test_the_base_url_follows_the_public_setting_then_the_port(environ, expected):
    assert public_base_url(environ) == expected


def test_make_run_settings_on_another_port_link_to_that_port():
    """The settings that `make run` loads, with the environment scripts/run.sh gives them."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "SITE_URL")}
    environ.update(CRM_PORT="8101", DJANGO_SETTINGS_MODULE="config.settings.local")
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.PUBLIC_BASE_URL)",
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8101"
    # run.sh hands CRM_PORT to the worker, which renders the links.
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert script.index("export CRM_PORT") < script.index("honcho")


class Keeping(Sender):
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)
        return SendResult("sent")


@pytest.mark.django_db
def test_notice_links_use_the_public_base_url(settings, feeder_east, sup_east):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8101"
    supplied_customer(feeder_east, contacts=1)
    outage = approved_outage(sup_east, [feeder_east])
    notices.plan_notices(outage)
    sender = Keeping()
    notices.run_batch(channel_senders={"sms": sender, "email": sender})
    (notification,) = outage.notifications.all()
    assert notification.confirm_url.startswith("http://127.0.0.1:8101/n/")
    (message,) = sender.sent
    assert message.body.endswith(notification.confirm_url)


@pytest.mark.django_db
def test_e_mails_to_users_link_to_the_public_base_url(settings, sup_east, mailoutbox):
    from accounts_manager.models import Notice
    from risk import notices as risk_notices

    settings.PUBLIC_BASE_URL = "https://crm.example.com"
    sup_east.email = "sup@example.com"
    sup_east.save(update_fields=["email"])
    Notice.objects.create(recipient=sup_east, key="risk-scan:1", title="t", body="b", link="/x/")
    risk_notices._email_digests("risk-scan:1", "/risk/?scan=1")
    (message,) = mailoutbox
    assert "https://crm.example.com/risk/?scan=1" in message.body
