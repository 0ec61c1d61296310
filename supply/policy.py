"""Who may do what with supply quality: one table of role × action, checked by
supply.services, used by the pages, the API and the menu. Which customers (and their
interruptions and readings) a user reaches is `visible_to(user)` (404 otherwise).
"""

from __future__ import annotations

from common.policy import Policy
from common.roles import Role

PEOPLE_WHO_READ = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.ACCOUNT_MANAGER})

POLICY = Policy(
    {
        # The tab, the feeder pages and the indicators: everyone within their scope.
        "view": PEOPLE_WHO_READ | {Role.INTEGRATION},
        # Supervisors' lists: late restorations, open episodes, exposed important customers.
        "view_oversight": frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR}),
        # Imports from the dispatch and monitoring systems (API), or a file uploaded by a
        # supervisor or an administrator.
        "import": frozenset({Role.ADMIN, Role.INTEGRATION, Role.SUPERVISOR}),
        # The threshold scan (nightly job; a supervisor may run it again).
        "scan": frozenset({Role.ADMIN, Role.SUPERVISOR}),
        # Linking a complaint to an interruption: whoever handles the complaint.
        "link_complaint": frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER}),
    }
)
may = POLICY.allows
check = POLICY.check
