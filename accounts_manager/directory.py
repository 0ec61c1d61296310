"""The company directory (LDAP / Active Directory) as the product sees it: whether it is set up
and answers, which users it made, and the job that takes access away from the users it disabled
or removed (their sessions and API tokens included: both refuse inactive users).

python-ldap is imported only inside the functions that talk to the directory, which run only
when AUTH_LDAP_SERVER_URI is set. The sign-in itself is accounts_manager.ldap_backend.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_backends
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts_manager import services  # a module: services reaches this one through tasks
from accounts_manager.models import User
from common.models import ServiceBeat
from customers.models import Assignment

logger = logging.getLogger(__name__)

# The group of the users the directory made (and keeps in step); the others are local accounts.
DIRECTORY_GROUP = "directory"
# The ServiceBeat row of the last completed sync.
SYNC_BEAT = "directory_sync"


class DirectoryUnavailable(Exception):
    """The directory could not be reached or refused the service account."""


def directory_configured() -> bool:
    return bool(getattr(settings, "AUTH_LDAP_SERVER_URI", ""))


def normalize_dn(dn: str) -> str:
    """A DN compared case- and spacing-insensitively (as LDAP compares them)."""
    import ldap.dn

    try:
        return str(ldap.dn.dn2str(ldap.dn.str2dn(dn.lower())))
    except ldap.DECODING_ERROR:
        return dn.strip().lower()


def mapped_role(group_dns: Iterable[str]) -> str | None:
    """The role of the first group of AUTH_LDAP_ROLE_GROUPS (in its order) among `group_dns`."""
    member_of = {normalize_dn(dn) for dn in group_dns}
    for dn, role in settings.AUTH_LDAP_ROLE_GROUPS.items():
        if normalize_dn(dn) in member_of:
            return str(role)
    return None


def check_connection() -> None:
    """Bind with the service account; raises DirectoryUnavailable with the reason."""
    import ldap

    try:
        connection = ldap.initialize(settings.AUTH_LDAP_SERVER_URI, bytes_mode=False)
        for option, value in getattr(settings, "AUTH_LDAP_CONNECTION_OPTIONS", {}).items():
            connection.set_option(option, value)
        if getattr(settings, "AUTH_LDAP_START_TLS", False):
            connection.start_tls_s()
        connection.simple_bind_s(
            getattr(settings, "AUTH_LDAP_BIND_DN", ""),
            getattr(settings, "AUTH_LDAP_BIND_PASSWORD", ""),
        )
        connection.unbind_s()
    except ldap.LDAPError as error:
        raise DirectoryUnavailable(ldap_error_text(error)) from error


def ldap_error_text(error: Exception) -> str:
    """python-ldap's errors carry a dict (desc, info); a line for people."""
    detail = error.args[0] if error.args else None
    if isinstance(detail, dict):
        return " — ".join(str(detail[k]) for k in ("desc", "info") if detail.get(k))
    return str(error) or type(error).__name__


@dataclass(frozen=True)
class DirectoryStatus:
    configured: bool
    server: str = ""
    reachable: bool | None = None
    error: str = ""
    last_sync: dt.datetime | None = None
    users: int = 0
    inactive_users: int = 0


def directory_status(*, probe: bool = True) -> DirectoryStatus:
    """What the admin shows: set up or not, answering or not (a bind when `probe`), the last
    completed sync and how many directory users there are, active or not."""
    if not directory_configured():
        return DirectoryStatus(configured=False)
    reachable: bool | None = None
    error = ""
    if probe:
        try:
            check_connection()
            reachable = True
        except DirectoryUnavailable as failure:
            reachable, error = False, str(failure)
    users = User.objects.filter(groups__name=DIRECTORY_GROUP)
    return DirectoryStatus(
        configured=True,
        server=settings.AUTH_LDAP_SERVER_URI,
        reachable=reachable,
        error=error,
        last_sync=ServiceBeat.objects.filter(name=SYNC_BEAT).values_list("at", flat=True).first(),
        users=users.count(),
        inactive_users=users.filter(is_active=False).count(),
    )


def directory_backend():
    """The configured authentication backend that signs in with the directory
    (accounts_manager.ldap_backend.DirectoryBackend, put there by config/directory.py)."""
    for backend in get_backends():
        if hasattr(backend, "refresh_user"):
            return backend
    raise ImproperlyConfigured(
        "AUTH_LDAP_SERVER_URI is set but no directory backend is in AUTHENTICATION_BACKENDS"
    )


@dataclass
class SyncResult:
    checked: int = 0
    deactivated: list[str] = field(default_factory=list)


def sync_directory_users() -> SyncResult | None:
    """Check each active directory user against the directory: deactivate those it disabled,
    removed or took out of every mapped group; bring the others' role and attributes up to date.

    None without a directory. Raises DirectoryUnavailable (having deactivated nobody on the
    strength of a failed look-up) when the directory cannot be asked; the users checked
    before that keep what was done to them. Running it twice changes nothing more.
    """
    if not directory_configured():
        return None
    check_connection()
    backend = directory_backend()
    result = SyncResult()
    users = User.objects.filter(groups__name=DIRECTORY_GROUP, is_active=True).order_by("pk")
    for username in users.values_list("username", flat=True).iterator():
        result.checked += 1
        if backend.refresh_user(username) is None and deactivate_directory_user(username):
            result.deactivated.append(username)
    ServiceBeat.objects.update_or_create(name=SYNC_BEAT, defaults={"at": timezone.now()})
    logger.info(
        "Directory sync: %d users checked, %d deactivated (%s)",
        result.checked,
        len(result.deactivated),
        ", ".join(result.deactivated) or "none",
    )
    return result


def deactivate_directory_user(username: str) -> bool:
    """Deactivate a directory user; False when someone else already did (a conditional
    update, so two runs at once deactivate and report each user once)."""
    changed = User.objects.filter(
        username=username, groups__name=DIRECTORY_GROUP, is_active=True
    ).update(is_active=False)
    if changed:
        logger.warning("Directory user %s deactivated: disabled or removed", username)
        user = User.objects.select_related("supervisor").get(username=username)
        notify_portfolio_orphaned(user)
    return bool(changed)


def notify_portfolio_orphaned(manager: User) -> None:
    """A manager the directory disabled may still have customers (unlike a deactivation in the
    product, this one cannot wait for the handover): tell their supervisor, or else the
    administrators, to hand the portfolio over."""
    count = Assignment.objects.open().filter(manager=manager).count()
    if not count:
        return
    if manager.supervisor is not None and manager.supervisor.is_active:
        recipients = [manager.supervisor]
    else:
        recipients = list(User.objects.filter(is_superuser=True, is_active=True))
    title = _(
        "%(name)s was disabled in the company directory and still has %(n)d customers: "
        "hand them over"
    ) % {"name": manager.display_name, "n": count}
    for recipient in recipients:
        services.notify_user(
            recipient,
            key=f"directory-disabled:{manager.pk}:{timezone.localdate():%Y-%m-%d}",
            title=title,
            link=reverse("accounts_manager:manager_detail", args=[manager.pk]),
        )
