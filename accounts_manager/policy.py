"""Who may do what with users, managers and the work queue: one table of role × action,
checked by accounts_manager.services, so the pages, the API, the admin and the commands refuse
the same things. Which managers and customers a user reaches is `visible_managers(user)` and
`visible_to(user)` (404 otherwise).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.policy import Policy
from common.roles import Role, role_of

PEOPLE = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER, Role.AUDITOR})
OVERSIGHT = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR})

POLICY = Policy(
    {
        "manage_users": frozenset({Role.ADMIN}),
        # "My day", the in-app notices: every person (the integration clients have no pages).
        "view_my_day": PEOPLE,
        "view_notices": PEOPLE,
        # The managers' list and their portfolios: those who oversee them.
        "view_managers": OVERSIGHT,
        # One manager's page: a manager sees their own.
        "view_manager": PEOPLE,
        "work_queue": frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER}),
    }
)
may = POLICY.allows
check = POLICY.check


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
