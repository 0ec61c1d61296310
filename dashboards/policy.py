"""Who may do what with the dashboards and managers' performance: one table of role × action,
checked by dashboards.performance and used by the pages, the API and the menu."""

from common.policy import Policy
from common.roles import Role

OVERSIGHT = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR})
SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})

POLICY = Policy(
    {
        # The supervisors' dashboard and the managers' league (pages).
        "view": OVERSIGHT,
        # The dashboard's figures through the API (a reporting system reads them too).
        "view_figures": OVERSIGHT | {Role.INTEGRATION},
        # One manager's performance: a manager sees their own.
        "view_performance": OVERSIGHT | {Role.ACCOUNT_MANAGER},
        "refresh": SUPERVISORS,
        "take_snapshot": SUPERVISORS,
    }
)
