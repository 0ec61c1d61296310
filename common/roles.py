"""Roles are Django groups; administrators are superusers. One place decides who is what."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.actors import is_system


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    SUPERVISOR = "supervisor", _("Supervisor")
    INTEGRATION = "integration", _("Integration client")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


GROUP_ROLES = (Role.ACCOUNT_MANAGER, Role.SUPERVISOR, Role.INTEGRATION, Role.AUDITOR)
# Roles that see every customer.
GLOBAL_READ_ROLES = frozenset({Role.ADMIN, Role.INTEGRATION, Role.AUDITOR})


_ROLE_CACHE = "_crm_role"


def role_of(user) -> Role | None:
    """The user's role, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if hasattr(user, _ROLE_CACHE):
        cached: Role | None = getattr(user, _ROLE_CACHE)
        return cached
    role: Role | None = None
    if user.is_superuser:
        role = Role.ADMIN
    else:
        names = set(user.groups.values_list("name", flat=True))
        for candidate in GROUP_ROLES:
            if candidate.value in names:
                role = candidate
                break
    remember_role(user, role)
    return role


def remember_role(user, role: Role | None) -> None:
    """Cache the user's role on the user object (read back by role_of)."""
    setattr(user, _ROLE_CACHE, role)


def is_manager(user) -> bool:
    return role_of(user) == Role.ACCOUNT_MANAGER


def is_admin(user) -> bool:
    return role_of(user) == Role.ADMIN


def sees_everything(user) -> bool:
    if is_system(user):
        # The product itself (a job, a command) reaches every customer.
        return True
    role = role_of(user)
    if role in GLOBAL_READ_ROLES:
        return True
    # A supervisor without a region oversees all regions.
    return role == Role.SUPERVISOR and user.region_id is None


def stored_role(user) -> Role | None:
    """The role the user holds, active or not, read through `user.groups.all()`.

    Unlike role_of(), it ignores `is_active` and uses prefetched groups, so a list of users
    prefetched with `groups` costs no query per row.
    """
    if user.is_superuser:
        return Role.ADMIN
    names = {group.name for group in user.groups.all()}
    return next((role for role in GROUP_ROLES if role.value in names), None)


def roles_required(roles):
    """A page only users holding one of `roles` may open: others get a 403, anonymous users
    the login page."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
