"""Who may do what in billing: one table of role × action, checked by the services
(billing.services, billing.disconnections), so the pages, the API, the admin and the commands
refuse the same things. Which customers a user reaches is `visible_to(user)` (404 otherwise).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common.roles import Role, check_role, role_of
from customers.policy import check_customer_in_scope

COLLECTORS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER})

ACTION_ROLES: dict[str, frozenset[Role]] = {
    # The billing system pushes bills and payments (SPEC "Who uses it").
    "push_bills": frozenset({Role.ADMIN, Role.INTEGRATION}),
    # Uploading a file of bills or payments on the import page.
    "import_file": frozenset({Role.ADMIN, Role.SUPERVISOR}),
    "record_payment": frozenset(
        {Role.ADMIN, Role.INTEGRATION, Role.SUPERVISOR, Role.ACCOUNT_MANAGER}
    ),
    "reverse_payment": frozenset({Role.ADMIN, Role.INTEGRATION, Role.SUPERVISOR}),
    "write_off_bill": frozenset({Role.ADMIN}),
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
    # Risk scans are started by supervisors (or the nightly job); the integration clients
    # read the results.
    "start_risk_scan": frozenset({Role.ADMIN, Role.SUPERVISOR}),
    # The customer's manager (within their portfolio) or a supervisor.
    "override_risk": COLLECTORS,
}

MESSAGES = {
    "approve_disconnection": _("Only a supervisor approves a disconnection."),
}


# Decisions a person must take: no job or command makes them without a user.
DECISIONS = frozenset({"approve_disconnection"})


def may(user, action: str) -> bool:
    return role_of(user) in ACTION_ROLES[action]


def check(user, action: str) -> None:
    """PermissionDenied unless `user`'s role may do `action`. No user is the system (a job or
    a command), which may do anything but take a decision."""
    if user is not None or action in DECISIONS:
        check_role(user, ACTION_ROLES[action], MESSAGES.get(action))


def check_customer(user, customer, action: str) -> None:
    """`check`, and the customer must be within the user's scope."""
    check(user, action)
    check_customer_in_scope(user, customer)
