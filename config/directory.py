"""The settings of sign-in with the company directory (django-auth-ldap), built from plain values.

config/settings/base.py calls `directory_settings()` with the AUTH_LDAP_* environment variables
only when AUTH_LDAP_SERVER_URI is set; python-ldap is imported here and nowhere else at start-up,
so without a directory no LDAP code runs. The tests call it with their own slapd's address.
docs/operations.md ("Directory sign-in") describes each value.
"""

from __future__ import annotations

import json
from typing import Any

ROLE_NAMES = ("account_manager", "supervisor", "integration", "auditor", "admin")

# AUTH_LDAP_GROUP_TYPE -> (django_auth_ldap.config class, the default group search filter).
GROUP_TYPES = {
    "groupOfNames": ("GroupOfNamesType", "(objectClass=groupOfNames)"),
    "groupOfUniqueNames": ("GroupOfUniqueNamesType", "(objectClass=groupOfUniqueNames)"),
    "posixGroup": ("PosixGroupType", "(objectClass=posixGroup)"),
    "activeDirectory": ("ActiveDirectoryGroupType", "(objectClass=group)"),
    "nestedActiveDirectory": ("NestedActiveDirectoryGroupType", "(objectClass=group)"),
}

DIRECTORY_BACKEND = "accounts_manager.ldap_backend.DirectoryBackend"


def parse_role_groups(value: str) -> dict[str, str]:
    """AUTH_LDAP_ROLE_GROUPS: a JSON object, group DN -> role, in order of precedence."""
    try:
        mapping = json.loads(value or "{}")
    except json.JSONDecodeError as error:
        raise ValueError(f"AUTH_LDAP_ROLE_GROUPS is not valid JSON: {error}") from error
    if not isinstance(mapping, dict) or not mapping:
        raise ValueError(
            "AUTH_LDAP_ROLE_GROUPS must be a JSON object of group DN -> role, "
            'e.g. {"cn=crm-managers,ou=groups,dc=example,dc=com": "account_manager"}'
        )
    for dn, role in mapping.items():
        if role not in ROLE_NAMES:
            raise ValueError(
                f"AUTH_LDAP_ROLE_GROUPS: {dn!r} maps to {role!r}; roles are {', '.join(ROLE_NAMES)}"
            )
    return {str(dn): str(role) for dn, role in mapping.items()}


def directory_settings(
    *,
    server_uri: str,
    bind_dn: str,
    bind_password: str,
    user_base: str,
    group_base: str,
    role_groups: dict[str, str],
    user_filter: str = "(uid=%(user)s)",
    group_type: str = "groupOfNames",
    group_filter: str = "",
    deny_group: str = "",
    start_tls: bool = False,
    timeout: int = 5,
    attr_name: str = "cn",
    attr_email: str = "mail",
    attr_employee_no: str = "employeeNumber",
) -> dict[str, Any]:
    """The AUTH_LDAP_* settings (and the authentication backends) for this directory."""
    import ldap
    from django_auth_ldap import config as ldap_config

    if group_type not in GROUP_TYPES:
        raise ValueError(
            f"AUTH_LDAP_GROUP_TYPE={group_type!r}: one of {', '.join(GROUP_TYPES)} expected"
        )
    if not role_groups:
        raise ValueError("AUTH_LDAP_ROLE_GROUPS maps no directory group to a role")
    if "%(user)s" not in user_filter:
        raise ValueError("AUTH_LDAP_USER_FILTER must contain %(user)s")
    class_name, default_group_filter = GROUP_TYPES[group_type]
    group_type_class = getattr(ldap_config, class_name)
    # Only members of a mapped group may sign in (and get a user row at all).
    require_group = None
    for dn in role_groups:
        query = ldap_config.LDAPGroupQuery(dn)
        require_group = query if require_group is None else require_group | query
    return {
        "AUTH_LDAP_SERVER_URI": server_uri,
        "AUTH_LDAP_BIND_DN": bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": bind_password,
        "AUTH_LDAP_START_TLS": start_tls,
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: timeout,
            ldap.OPT_TIMEOUT: timeout,
            # Active Directory answers with referrals python-ldap cannot follow anonymously.
            ldap.OPT_REFERRALS: 0,
        },
        "AUTH_LDAP_USER_SEARCH": ldap_config.LDAPSearch(user_base, ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_GROUP_SEARCH": ldap_config.LDAPSearch(
            group_base, ldap.SCOPE_SUBTREE, group_filter or default_group_filter
        ),
        "AUTH_LDAP_GROUP_TYPE": group_type_class(),
        "AUTH_LDAP_REQUIRE_GROUP": require_group,
        "AUTH_LDAP_DENY_GROUP": deny_group or None,
        "AUTH_LDAP_USER_ATTR_MAP": {
            "name": attr_name,
            "email": attr_email,
            "employee_no": attr_employee_no,
        },
        # Name, e-mail and employee number follow the directory at every sign-in.
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,
        "AUTH_LDAP_ROLE_GROUPS": role_groups,
        # axes first (lockout), then the directory, then local accounts.
        "AUTHENTICATION_BACKENDS": [
            "axes.backends.AxesStandaloneBackend",
            DIRECTORY_BACKEND,
            "django.contrib.auth.backends.ModelBackend",
        ],
    }
