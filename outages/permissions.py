"""Who may do what with outages; shared by the API and the pages."""

from common.roles import Role, role_of
from outages.models import USER_ACTIONS, PlannedOutage

# Supervisors, administrators and the dispatch system (integration) enter and run outages.
OUTAGE_WRITERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.INTEGRATION})
# Approval is a supervisor's decision alone.
OUTAGE_APPROVERS = frozenset({Role.SUPERVISOR})
# Confirmed calls with important customers are recorded by managers (or for them).
CALL_RECORDERS = frozenset({Role.ACCOUNT_MANAGER, Role.SUPERVISOR, Role.ADMIN})
# The SMS gateway reports deliveries with an integration account.
DELIVERY_REPORTERS = frozenset({Role.INTEGRATION, Role.ADMIN})


def may(user, action: str) -> bool:
    """Whether `user`'s role allows `action` (status aside)."""
    role = role_of(user)
    if action == "approve":
        return role in OUTAGE_APPROVERS
    if action == "confirm_call":
        return role in CALL_RECORDERS
    return role in OUTAGE_WRITERS


def actions_for(outage: PlannedOutage, user) -> list[str]:
    """The actions to offer `user` on `outage`: allowed by both its status and their role."""
    return [a for a in USER_ACTIONS if outage.can(a) and may(user, a)]
