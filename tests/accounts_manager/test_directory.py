"""Sign-in with the company directory, against a real slapd (tests/slapd.py): roles from the
mapped groups, attributes copied, a manager profile, disabled and removed users refused, the
sync job that ends their API tokens, local accounts untouched, and the product without one."""

import io
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate, get_user
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from accounts_manager import tasks
from accounts_manager.directory import (
    DIRECTORY_GROUP,
    DirectoryUnavailable,
    directory_status,
    sync_directory_users,
)
from accounts_manager.models import ManagerProfile, Notice, User
from common.roles import Role, role_of
from config.celery import BEAT_SCHEDULE
from config.directory import parse_role_groups

pytestmark = pytest.mark.django_db

LOCAL_PASSWORD = "pass-Word-123"  # UserFactory's


def token(username, password):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def page_login(username, password):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response


def sign_in(username, password=None):
    request = RequestFactory().post("/accounts/login/")
    if password is None:
        password = f"{username}-Pass-1"
    return authenticate(request, username=username, password=password)


def fresh(user):
    user = User.objects.get(pk=user.pk)
    return user


# --- signing in --------------------------------------------------------------------------------


def test_a_manager_signs_in_with_the_directory_account_and_gets_role_attributes_and_profile(
    directory,
):
    client, response = page_login("zhangwei", "zhangwei-Pass-1")

    assert response.status_code == 302
    user = User.objects.get(username="zhangwei")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert (user.name, user.email, user.employee_no) == ("张伟", "zhangwei@example.com", "E1001")
    assert role_of(user) == Role.ACCOUNT_MANAGER
    assert ManagerProfile.objects.filter(user=user).exists()
    assert user.groups.filter(name=DIRECTORY_GROUP).exists()
    assert not user.has_usable_password()


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("lina", Role.SUPERVISOR),  # also a manager: the supervisors' group comes first
        ("wangfang", Role.AUDITOR),
        ("liuyang", Role.ADMIN),
    ],
)
def test_the_role_comes_from_the_first_mapped_group(directory, username, role):
    user = sign_in(username)

    assert role_of(fresh(user)) == role
    assert fresh(user).is_superuser == (role == Role.ADMIN)
    assert ManagerProfile.objects.filter(user=user).exists() is False


def test_a_wrong_password_is_refused_and_counted_by_the_lockout(directory):
    response = token("zhangwei", "wrong")

    assert response.status_code == 400
    assert not User.objects.filter(username="zhangwei").exists()
    assert AccessAttempt.objects.filter(username="zhangwei").exists()


def test_the_lockout_still_locks_a_directory_user_out(directory, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        token("zhangwei", f"wrong-{n}")

    assert token("zhangwei", "zhangwei-Pass-1").status_code == 429


def test_a_user_disabled_in_the_directory_cannot_sign_in(directory):
    _client, response = page_login("zhaolei", "zhaolei-Pass-1")

    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in _client.session
    assert token("zhaolei", "zhaolei-Pass-1").status_code == 400


def test_an_employee_in_no_mapped_group_cannot_sign_in_and_gets_no_user(directory):
    assert sign_in("chenjing") is None
    assert not User.objects.filter(username="chenjing").exists()


def test_a_user_removed_from_the_directory_cannot_sign_in(directory, directory_user):
    uid = directory_user("leaver")
    assert sign_in(uid) is not None

    directory.delete_user(uid)

    assert sign_in(uid) is None


def test_a_user_whose_group_changed_gets_the_new_role_at_the_next_sign_in(
    directory, directory_user
):
    uid = directory_user("mover", groups=("crm-managers",))
    assert role_of(sign_in(uid)) == Role.ACCOUNT_MANAGER

    directory.remove_from_group(uid, "crm-managers")
    directory.add_to_group(uid, "crm-supervisors")
    user = sign_in(uid)

    assert role_of(user) == Role.SUPERVISOR
    assert set(fresh(user).groups.values_list("name", flat=True)) == {
        Role.SUPERVISOR.value,
        DIRECTORY_GROUP,
    }


def test_attributes_follow_the_directory_at_each_sign_in(directory, directory_user):
    uid = directory_user("renamed", name="Old Name", mail="old@example.com", employee_no="E9001")
    sign_in(uid)
    connection = directory.connection()
    connection.modify_s(
        f"uid={uid},ou=people,dc=example,dc=com",
        [(2, "cn", [b"New Name"]), (2, "mail", [b"new@example.com"])],  # 2: MOD_REPLACE
    )
    connection.unbind_s()

    user = fresh(sign_in(uid))

    assert (user.name, user.email, user.employee_no) == ("New Name", "new@example.com", "E9001")


def test_an_employee_number_another_user_holds_is_not_copied(directory, directory_user, mgr_c):
    uid = directory_user("clash", employee_no=mgr_c.employee_no)

    user = fresh(sign_in(uid))

    assert user.employee_no == ""
    assert fresh(mgr_c).employee_no == "W001"


# --- local accounts ------------------------------------------------------------------------------


def test_local_accounts_still_sign_in_with_their_own_password(directory, admin_user, integration):
    assert sign_in("billing_system", LOCAL_PASSWORD) == integration
    assert token("admin", LOCAL_PASSWORD).status_code == 200


def test_a_directory_entry_cannot_take_over_a_local_account_of_the_same_name(directory, admin_user):
    # The directory has an `admin` too, with its own password.
    assert sign_in("admin", "directory-admin-Pass-1") is None
    assert not fresh(admin_user).groups.filter(name=DIRECTORY_GROUP).exists()


def test_a_directory_user_has_no_local_password_to_fall_back_on(directory):
    sign_in("zhangwei")

    assert sign_in("zhangwei", "") is None
    assert sign_in("zhangwei", "!") is None


# --- the sync job and API tokens ---------------------------------------------------------------


def test_the_token_of_a_user_disabled_in_the_directory_stops_working_after_the_sync(
    directory, directory_user
):
    uid = directory_user("tokenholder")
    key = token(uid, f"{uid}-Pass-1").json()["token"]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/notices/").status_code == 200

    directory.add_to_group(uid, "crm-disabled")
    assert api.get("/api/v1/notices/").status_code == 200  # until the job runs
    assert tasks.sync_directory_users.delay().get() == 1

    assert api.get("/api/v1/notices/").status_code == 401
    assert not User.objects.get(username=uid).is_active


@pytest.mark.parametrize("change", ["removed", "out_of_every_mapped_group"])
def test_the_sync_deactivates_removed_users_and_users_without_a_role(
    directory, directory_user, change
):
    uid = directory_user("gone")
    sign_in(uid)
    if change == "removed":
        directory.delete_user(uid)
    else:
        directory.remove_from_group(uid, "crm-managers")

    result = sync_directory_users()

    assert result is not None and result.deactivated == [uid]
    assert not User.objects.get(username=uid).is_active


def test_the_sync_leaves_active_users_and_local_accounts_alone_and_runs_twice_safely(
    directory, directory_user, admin_user, integration
):
    uid = directory_user("stays")
    sign_in(uid)
    sign_in("zhangwei")

    first = sync_directory_users()
    second = sync_directory_users()

    assert first is not None and second is not None
    assert (first.checked, first.deactivated) == (2, [])
    assert second.deactivated == []
    assert User.objects.filter(is_active=False).count() == 0


@pytest.mark.parametrize("has_supervisor", [True, False])
def test_the_supervisor_hears_of_a_disabled_manager_who_still_has_customers(
    directory, directory_user, customer_for, sup_east, admin_user, has_supervisor
):
    uid = directory_user("orphaner")
    manager = sign_in(uid)
    if has_supervisor:
        User.objects.filter(pk=manager.pk).update(supervisor=sup_east)
    customer_for(manager)
    customer_for(manager)
    directory.add_to_group(uid, "crm-disabled")

    sync_directory_users()
    sync_directory_users()

    told = sup_east if has_supervisor else admin_user
    notices = Notice.objects.filter(recipient=told)
    assert notices.count() == 1
    assert "2" in notices.get().title and notices.get().link.endswith(f"/managers/{manager.pk}/")
    not_told = admin_user if has_supervisor else sup_east
    assert not Notice.objects.filter(recipient=not_told).exists()


def test_the_session_of_a_deactivated_directory_user_ends(directory, directory_user):
    uid = directory_user("sessionholder")
    client, _response = page_login(uid, f"{uid}-Pass-1")
    assert get_user(client).is_authenticated

    directory.delete_user(uid)
    sync_directory_users()

    assert not get_user(client).is_authenticated


def test_a_deactivated_directory_user_is_not_let_back_in_by_the_directory(
    directory, directory_user
):
    uid = directory_user("returner")
    sign_in(uid)
    User.objects.filter(username=uid).update(is_active=False)

    assert sign_in(uid) is None


def test_the_sync_deactivates_nobody_when_the_directory_does_not_answer(
    directory, settings, directory_user
):
    uid = directory_user("unknown")
    sign_in(uid)
    settings.AUTH_LDAP_SERVER_URI = "ldap://127.0.0.1:9/"

    with pytest.raises(DirectoryUnavailable):
        sync_directory_users()
    assert tasks.sync_directory_users.delay().get() == 0
    assert User.objects.get(username=uid).is_active


def test_the_command_runs_the_sync(directory, directory_user):
    uid = directory_user("commanded")
    sign_in(uid)
    directory.add_to_group(uid, "crm-disabled")
    out = io.StringIO()

    call_command("sync_directory_users", stdout=out)

    assert f"1 deactivated: {uid}" in out.getvalue()


def test_the_sync_is_in_the_beat_schedule():
    assert BEAT_SCHEDULE["accounts-sync-directory-users"]["task"] == (
        tasks.sync_directory_users.name
    )


# --- without a directory -------------------------------------------------------------------------


def test_without_a_directory_the_product_signs_in_as_before(settings, mgr_a):
    assert settings.AUTH_LDAP_SERVER_URI == ""
    assert not any("ldap" in backend.lower() for backend in settings.AUTHENTICATION_BACKENDS)

    assert token("mgr_a", LOCAL_PASSWORD).status_code == 200
    assert sync_directory_users() is None
    assert directory_status().configured is False
    out = io.StringIO()
    call_command("sync_directory_users", stdout=out)
    assert "No directory" in out.getvalue()


def test_without_a_directory_no_ldap_code_is_even_loaded():
    # In a process of its own: this one loaded python-ldap for the test directory.
    code = (
        "import sys, django; django.setup();"
        "import config.urls, config.celery, accounts_manager.admin, accounts_manager.tasks;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('ldap', '_ldap', 'django_auth_ldap')))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_LDAP_")}
    environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=120
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    "value",
    ["", "not json", "[]", '{"cn=x,dc=example,dc=com": "boss"}'],
)
def test_a_malformed_role_mapping_is_refused_with_a_clear_error(value):
    with pytest.raises(ValueError, match="AUTH_LDAP_ROLE_GROUPS"):
        parse_role_groups(value)


# --- the admin -----------------------------------------------------------------------------------


def test_the_admin_shows_the_directory_reachable_and_the_last_sync(directory, admin_user):
    sync_directory_users()
    client = Client()
    client.force_login(admin_user)

    page = client.get(reverse("admin:accounts_manager_user_changelist")).content.decode()

    assert directory.uri in page
    assert 'class="directory-ok"' in page
    assert "从未" not in page


def test_the_admin_shows_a_directory_that_does_not_answer(directory, settings, admin_user):
    settings.AUTH_LDAP_SERVER_URI = "ldap://127.0.0.1:9/"
    client = Client()
    client.force_login(admin_user)

    page = client.get(reverse("admin:accounts_manager_user_changelist")).content.decode()

    assert 'class="directory-down"' in page
    assert "Can&#x27;t contact LDAP server" in page


def test_the_admin_says_when_no_directory_is_configured(admin_user):
    client = Client()
    client.force_login(admin_user)

    page = client.get(reverse("admin:accounts_manager_user_changelist")).content.decode()

    assert 'id="directory-status"' in page
    assert "AUTH_LDAP_SERVER_URI" in page
