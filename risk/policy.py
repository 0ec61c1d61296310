"""Who may do what with the arrears-risk scan: one table of role × action, checked by
risk.services, used by the pages, the API and the menu. Which customers a user reaches is
`visible_to(user)` (404 otherwise).
"""

from __future__ import annotations

from functools import partial

from common.policy import Policy
from common.roles import Role
from customers.policy import check_on_customer

OVERSIGHT = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR})

POLICY = Policy(
    {
        # The risk pages: people (a manager sees their portfolio).
        "view": OVERSIGHT | {Role.ACCOUNT_MANAGER},
        # The overview of scans and their progress (the page), and the scans (the API).
        "view_overview": OVERSIGHT,
        "view_scans": OVERSIGHT | {Role.INTEGRATION},
        # Scans are started by supervisors (or the nightly job); the integration clients read
        # the results.
        "start_scan": frozenset({Role.ADMIN, Role.SUPERVISOR}),
        # The customer's manager (within their portfolio) or a supervisor.
        "override": frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER}),
    }
)
may = POLICY.allows
check = POLICY.check

check_customer = partial(check_on_customer, POLICY)
