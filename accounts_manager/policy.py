"""Who may do what with users, portfolios and the work queue: one table of role × action,
checked by accounts_manager.services, so the pages, the API, the admin and the commands refuse
the same things. Which managers and customers a user reaches is `visible_managers(user)` and
`visible_to(user)` (404 otherwise).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.roles import Role, check_role, role_of

SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})

ACTION_ROLES: dict[str, frozenset[Role]] = {
    "manage_users": frozenset({Role.ADMIN}),
    # Giving a customer to a manager is a supervisor's act (the integration clients do not:
    # SPEC "Who uses it"). A manager gets the customers they register (customers.services).
    "assign_customer": SUPERVISORS,
    "handover_portfolio": SUPERVISORS,
    "work_queue": frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER}),
}


def may(user, action: str) -> bool:
    return role_of(user) in ACTION_ROLES[action]


def check(user, action: str) -> None:
    """PermissionDenied unless `user`'s role may do `action`; no user is the system (a job)."""
    if user is not None:
        check_role(user, ACTION_ROLES[action])


def check_user_change(acting_user, user, *, fields: dict, role: str | None) -> None:
    """An administrator does not lock themselves out (deactivate themselves or give up their
    role), and nobody is their own supervisor."""
    check(acting_user, "manage_users")
    supervisor = fields.get("supervisor")
    if supervisor is not None and supervisor.pk == user.pk:
        raise DomainError(
            "own_supervisor",
            _("A user cannot be their own supervisor."),
            field="supervisor",
        )
    if acting_user is None or acting_user.pk != user.pk:
        return
    if fields.get("is_active") is False:
        raise DomainError(
            "deactivate_self",
            _("You cannot deactivate your own account; ask another administrator."),
            field="is_active",
        )
    if role is not None and role != role_of(acting_user):
        raise DomainError(
            "own_role",
            _("You cannot change your own role; ask another administrator."),
            field="role",
        )
