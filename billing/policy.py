"""Who may do what in billing: one table of role × action, checked by the services
(billing.services, billing.disconnections), so the pages, the API, the admin and the commands
refuse the same things. Which customers a user reaches is `visible_to(user)` (404 otherwise).
"""

from __future__ import annotations

from functools import partial

from django.utils.translation import gettext_lazy as _

from common.policy import Policy
from common.roles import Role
from customers.policy import check_on_customer

COLLECTORS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER})

POLICY = Policy(
    {
        # The arrears pages: people (the integration clients use the API).
        "view": COLLECTORS | {Role.AUDITOR},
        # The billing system pushes bills and payments (SPEC "Who uses it").
        "push_bills": frozenset({Role.ADMIN, Role.INTEGRATION}),
        # Uploading a file of bills or payments on the import page.
        "import_file": frozenset({Role.ADMIN, Role.SUPERVISOR}),
        "record_payment": frozenset(
            {Role.ADMIN, Role.INTEGRATION, Role.SUPERVISOR, Role.ACCOUNT_MANAGER}
        ),
        "reverse_payment": frozenset({Role.ADMIN, Role.INTEGRATION, Role.SUPERVISOR}),
        "write_off_bill": frozenset({Role.ADMIN}),
        # Checking the kept balances against the rows (the nightly job; by hand, a command).
        "reconcile_balances": frozenset({Role.ADMIN}),
        "record_collection_action": COLLECTORS,
        "record_notice_delivery": COLLECTORS,
        "record_promise": COLLECTORS,
        "request_disconnection": COLLECTORS,
        # Approval is a supervisor's decision alone (segregation of duties): administrators too
        # are refused.
        "approve_disconnection": frozenset({Role.SUPERVISOR}),
        "execute_disconnection": COLLECTORS,
        "cancel_disconnection": COLLECTORS,
        "reconnect_disconnection": COLLECTORS,
    },
    # Decisions a person must take: no job or command makes them without a user.
    decisions={"approve_disconnection"},
    messages={"approve_disconnection": _("Only a supervisor approves a disconnection.")},
)
may = POLICY.allows
check = POLICY.check

check_customer = partial(check_on_customer, POLICY)
