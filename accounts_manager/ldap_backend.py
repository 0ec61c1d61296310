"""Sign-in with the company directory: django-auth-ldap's backend, with the product's roles.

Loaded only when AUTH_LDAP_SERVER_URI is set (config/directory.py puts it in
AUTHENTICATION_BACKENDS, between axes and the local accounts' ModelBackend).

- Only members of a group of AUTH_LDAP_ROLE_GROUPS sign in (AUTH_LDAP_REQUIRE_GROUP); the first
  mapped group they are in gives their role, at every sign-in, through `set_user_role` (which
  creates the manager profile of an account manager).
- Name, e-mail and employee number are copied from the directory at every sign-in.
- Users made by the directory are in the `directory` group (accounts_manager.directory). A
  local account of the same username is never signed in by the directory, so a directory
  entry cannot take over the emergency administrator or an integration client.
- An inactive user is refused, and a session of a user deactivated since (the sync job) ends.
"""

from __future__ import annotations

import logging

import ldap
from django.contrib.auth.models import Group
from django.db import transaction
from django_auth_ldap.backend import LDAPBackend, ldap_error, populate_user

from accounts_manager.directory import (
    DIRECTORY_GROUP,
    DirectoryUnavailable,
    mapped_role,
    normalize_dn,
)
from accounts_manager.models import User
from accounts_manager.services import set_user_role

logger = logging.getLogger(__name__)


class DirectoryBackend(LDAPBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or is_local_account(username):
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        # Inactive users are refused as ModelBackend refuses them (and axes counts a failure).
        if user is None or not user.is_active:
            return None
        return user if adopt_directory_user(user) else None

    def get_user(self, user_id):
        user = super().get_user(user_id)
        # django-auth-ldap keeps the session of a user deactivated since; ModelBackend doesn't.
        return user if user is not None and user.is_active else None

    def refresh_user(self, username: str) -> User | None:
        """The user as the directory now has them (attributes and role updated), or None when
        the directory no longer lets them in (removed, disabled, denied, in no mapped group).

        Raises DirectoryUnavailable when the directory could not be asked: the caller then
        knows nothing and must not conclude the user is gone.
        """
        errors: list[Exception] = []

        def record(sender, context, exception, **kwargs):
            errors.append(exception)

        ldap_error.connect(record, weak=False)
        try:
            user = self.populate_user(username)
        finally:
            ldap_error.disconnect(record)
        if errors:
            raise DirectoryUnavailable(str(errors[0]))
        if user is None:
            return None
        deny_group = self.settings.DENY_GROUP
        try:
            group_dns = {normalize_dn(dn) for dn in user.ldap_user.group_dns}
        except ldap.LDAPError as error:
            raise DirectoryUnavailable(str(error)) from error
        if deny_group and normalize_dn(deny_group) in group_dns:
            return None
        return user if adopt_directory_user(user) else None


def is_local_account(username: str) -> bool:
    """A user of this username exists and was not made by the directory."""
    return (
        User.objects.filter(username__iexact=username.strip())
        .exclude(groups__name=DIRECTORY_GROUP)
        .exists()
    )


@transaction.atomic
def adopt_directory_user(user: User) -> bool:
    """Give a user the directory has just let in the role of their groups; False when none of
    their groups is mapped to a role."""
    # django-auth-ldap sets `ldap_user` on the users it returns.
    role = mapped_role(user.ldap_user.group_dns)  # type: ignore[attr-defined]
    if role is None:
        logger.info("Directory user %s is in no mapped group", user.username)
        return False
    set_user_role(user, role=role)
    user.groups.add(Group.objects.get_or_create(name=DIRECTORY_GROUP)[0])
    return True


def _fit(value: str, max_length: int) -> str:
    return (value or "").strip()[:max_length]


def fit_directory_attributes(sender, user: User, ldap_user, **kwargs) -> None:
    """The directory's values, made to fit the user table: cut to the columns' lengths, and an
    employee number another user already holds is not copied (it stays as it was)."""
    for field in ("name", "email", "employee_no", "first_name", "last_name"):
        max_length = getattr(User._meta.get_field(field), "max_length", None) or 0
        setattr(user, field, _fit(getattr(user, field), max_length))
    if user.employee_no:
        taken = User.objects.filter(employee_no=user.employee_no).exclude(pk=user.pk).exists()
        if taken:
            logger.warning(
                "Directory user %s: employee number %s is another user's; not copied",
                user.username,
                user.employee_no,
            )
            previous = (
                User.objects.filter(pk=user.pk).values_list("employee_no", flat=True).first()
                if user.pk
                else ""
            )
            user.employee_no = previous or ""


populate_user.connect(fit_directory_attributes, sender=DirectoryBackend)
