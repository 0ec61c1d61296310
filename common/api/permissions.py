"""Role checks for the API. Scoping to what a user may see is done by querysets (404)."""

from rest_framework import permissions

from common.policy import ALL_ROLES
from common.roles import Role, role_of

READ_ONLY_METHODS = permissions.SAFE_METHODS


class RolePermission(permissions.BasePermission):
    """Authenticated users with a role may read; writers are set per view.

    A view may set `read_roles` and `write_roles` (sets of Role), or `action_roles`, a dict
    from a viewset action name to the roles allowed to call it.
    """

    default_write_roles = frozenset(
        {Role.ADMIN, Role.INTEGRATION, Role.SUPERVISOR, Role.ACCOUNT_MANAGER}
    )

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        role = role_of(request.user)
        if role is None:
            return False
        action = getattr(view, "action", None)
        action_roles = getattr(view, "action_roles", {}) or {}
        if action in action_roles:
            return role in action_roles[action]
        if request.method in READ_ONLY_METHODS:
            return role in getattr(view, "read_roles", ALL_ROLES)
        return role in getattr(view, "write_roles", self.default_write_roles)
