"""The company directory of the directory sign-in tests: one real slapd for the session
(tests/slapd.py), and `directory` to point the product's settings at it for a test."""

import contextlib

import ldap
import pytest

from config.directory import directory_settings
from tests.slapd import GROUPS, PEOPLE, ROOT_DN, ROOT_PASSWORD, Slapd, group_dn

ROLE_GROUPS = {
    group_dn("crm-admins"): "admin",
    group_dn("crm-supervisors"): "supervisor",
    group_dn("crm-managers"): "account_manager",
    group_dn("crm-auditors"): "auditor",
}


@pytest.fixture(scope="session")
def slapd(tmp_path_factory):
    server = Slapd(tmp_path_factory.mktemp("slapd")).start()
    yield server
    server.stop()


@pytest.fixture
def directory(slapd, settings):
    """The product signs in through the test directory for this test."""
    for name, value in directory_settings(
        server_uri=slapd.uri,
        bind_dn=ROOT_DN,
        bind_password=ROOT_PASSWORD,
        user_base=PEOPLE,
        group_base=GROUPS,
        role_groups=ROLE_GROUPS,
        deny_group=group_dn("crm-disabled"),
        timeout=2,
    ).items():
        setattr(settings, name, value)
    return slapd


@pytest.fixture
def directory_user(directory):
    """Adds people to the directory for one test and removes them afterwards."""
    added: list[str] = []

    def add(uid, *, groups=("crm-managers",), **fields):
        fields.setdefault("password", f"{uid}-Pass-1")
        fields.setdefault("name", uid.title())
        directory.add_user(uid, groups=groups, **fields)
        added.append(uid)
        return uid

    yield add
    for uid in added:
        with contextlib.suppress(ldap.NO_SUCH_OBJECT):  # the test removed them itself
            directory.delete_user(uid)
