"""Who may do what with visits and the visit plan: one table of role × action, checked by
visits.services and used by the pages, the API and the menu. Which visits and plans a user
sees follows the customers they see (`visible_to`, 404 otherwise)."""

from common.policy import Policy
from common.roles import Role

POLICY = Policy(
    {
        "view": frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER, Role.AUDITOR}),
        "record_visit": frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER}),
        # Running the plan job now (it also runs every night).
        "generate_plans": frozenset({Role.ADMIN, Role.SUPERVISOR}),
    }
)
