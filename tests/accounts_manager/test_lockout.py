"""Log-in lockout behind the reverse proxy: per username and client address, a higher limit per
address, X-Forwarded-For believed only from a trusted proxy, and an administrator unlocks."""

import io

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from common.client_address import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"  # UserFactory's
PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY, "172.16.0.0/12"]


def token(username, password, *, client_ip=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if client_ip:
        extra["HTTP_X_FORWARDED_FOR"] = client_ip
    return APIClient(**extra).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def page_login(username, password, *, client_ip, url="login"):
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_ip).post(
        reverse(url), {"username": username, "password": password}
    )


# --- the client address ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "203.0.113.5", "203.0.113.5"),
        # a client's own X-Forwarded-For is kept to the left; the proxy appends the real one
        (PROXY, "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        # a chain of trusted proxies is walked from the right
        (PROXY, "203.0.113.5, 172.16.3.4", "203.0.113.5"),
        (PROXY, "", PROXY),
        (PROXY, "garbage", PROXY),
        (PROXY, "[2001:db8::7]:443", "2001:db8::7"),
        # not from a trusted proxy: the header is ignored
        ("198.51.100.9", "203.0.113.5", "198.51.100.9"),
    ],
)
def test_the_client_address_is_read_from_the_trusted_proxy_only(remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_without_trusted_proxies_the_header_is_never_believed(settings):
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_address(request) == PROXY


# --- lockout per username and address --------------------------------------------------------


def test_one_clients_failures_do_not_lock_another_client_behind_the_same_proxy(admin_user):
    for n in range(5):
        token("admin", f"wrong-{n}", client_ip="203.0.113.5")
    assert token("admin", PASSWORD, client_ip="203.0.113.5").status_code == 429
    # the administrator, from their own address behind the same proxy, still gets in
    assert token("admin", PASSWORD, client_ip="198.51.100.7").status_code == 200
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


def test_the_login_page_and_the_admin_login_lock_per_client_address(admin_user):
    for n in range(5):
        page_login("admin", f"wrong-{n}", client_ip="203.0.113.5", url="admin:login")
    locked = page_login("admin", PASSWORD, client_ip="203.0.113.5")
    assert locked.status_code == 429
    assert "locked-out" in locked.content.decode() and "来自您所在地址" in locked.content.decode()
    other = page_login("admin", PASSWORD, client_ip="198.51.100.7")
    assert other.status_code == 302


def test_a_spoofed_forwarded_for_from_outside_the_proxy_is_ignored(mgr_a):
    # an attacker talking to the server directly cannot pose as many clients
    for n in range(5):
        token("mgr_a", f"wrong-{n}", client_ip=f"203.0.113.{n}", remote="198.51.100.66")
    assert (
        token("mgr_a", PASSWORD, client_ip="203.0.113.99", remote="198.51.100.66").status_code
        == 429
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}
    # nor lock out a victim's address by naming it
    assert token("mgr_a", PASSWORD, client_ip="203.0.113.0").status_code == 200


def test_one_address_spraying_many_usernames_is_limited(mgr_a):
    victims = [UserFactory(username=f"user{n:02d}") for n in range(25)]
    statuses = [
        token(v.username, "Summer2026!", client_ip="203.0.113.5").status_code for v in victims
    ]
    # 20 failures from one address (AXES_ADDRESS_FAILURE_LIMIT), one per username
    assert statuses[:19] == [400] * 19
    assert set(statuses[19:]) == {429}
    locked = token("mgr_a", PASSWORD, client_ip="203.0.113.5")
    assert locked.status_code == 429 and "detail" in locked.json()
    # other clients are not affected
    assert token("mgr_a", PASSWORD, client_ip="198.51.100.7").status_code == 200


def test_logging_into_ones_own_account_does_not_reset_the_address_count(mgr_a):
    for n in range(15):
        token(f"nobody{n}", "x", client_ip="203.0.113.5")
    assert token("mgr_a", PASSWORD, client_ip="203.0.113.5").status_code == 200
    for n in range(5):
        token(f"someone{n}", "x", client_ip="203.0.113.5")
    assert token("mgr_a", PASSWORD, client_ip="203.0.113.5").status_code == 429


def test_a_success_resets_the_users_own_failures(mgr_a):
    for n in range(4):
        assert token("mgr_a", f"wrong-{n}", client_ip="203.0.113.5").status_code == 400
    assert token("mgr_a", PASSWORD, client_ip="203.0.113.5").status_code == 200
    for n in range(4):
        assert token("mgr_a", f"again-{n}", client_ip="203.0.113.5").status_code == 400
    assert token("mgr_a", PASSWORD, client_ip="203.0.113.5").status_code == 200


# --- an administrator unlocks ----------------------------------------------------------------


def _lock(username, client_ip="203.0.113.5"):
    for n in range(5):
        token(username, f"wrong-{n}", client_ip=client_ip)
    assert token(username, PASSWORD, client_ip=client_ip).status_code == 429


def test_the_reset_username_command_unlocks(mgr_a):
    _lock("mgr_a")
    call_command("axes_reset_username", "mgr_a", stdout=io.StringIO())
    assert token("mgr_a", PASSWORD, client_ip="203.0.113.5").status_code == 200


def test_the_reset_ip_command_unlocks_an_address(mgr_a):
    for n in range(20):
        token(f"nobody{n}", "x", client_ip="203.0.113.5")
    assert token("mgr_a", PASSWORD, client_ip="203.0.113.5").status_code == 429
    call_command("axes_reset_ip", "203.0.113.5", stdout=io.StringIO())
    assert token("mgr_a", PASSWORD, client_ip="203.0.113.5").status_code == 200


def test_an_administrator_unlocks_in_the_admin(mgr_a, admin_user):
    _lock("mgr_a")
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "mgr_a" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="mgr_a")
    response = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert token("mgr_a", PASSWORD, client_ip="203.0.113.5").status_code == 200
