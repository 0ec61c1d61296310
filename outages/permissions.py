"""Who may do what with outages: one table for the pages, the API and the services (which
check it themselves, so a command or the admin is refused the same things)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from common.roles import Role, role_of
from outages.models import USER_ACTIONS, PlannedOutage

# Substations and feeders are provisioned by administrators or a provisioning client
# (API.md "Users, regions and grid (administration and provisioning)").
GRID_WRITERS = frozenset({Role.ADMIN, Role.INTEGRATION})
# Supervisors and administrators enter and run outages. The dispatch system (integration)
# only reads planned outages and the affected customers (SPEC "Who uses it").
OUTAGE_WRITERS = frozenset({Role.ADMIN, Role.SUPERVISOR})
# Approval is a supervisor's decision alone (segregation of duties): administrators too are
# refused, and no job or command approves without a supervisor.
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


def check(user, action: str) -> None:
    """PermissionDenied unless `user` may do `action`. No user is the system (a job or a
    command), which may do anything but approve."""
    if user is None and action != "approve":
        return
    if not may(user, action):
        if action == "approve":
            raise PermissionDenied(_("Only a supervisor approves an outage."))
        raise PermissionDenied(_("Your role may not do this."))
