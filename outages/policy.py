"""Who may do what with outages: one table of role × action for the pages, the API and the
services (which check it themselves, so a command or the admin is refused the same things)."""

from django.utils.translation import gettext_lazy as _

from common.policy import Policy
from common.roles import Role
from outages.models import USER_ACTIONS, PlannedOutage

# Everyone with a role reads outages (the dispatch system through the API).
READERS = frozenset(Role)
# Supervisors and administrators enter and run outages. The dispatch system (integration)
# only reads planned outages and the affected customers (SPEC "Who uses it").
WRITERS = frozenset({Role.ADMIN, Role.SUPERVISOR})

POLICY = Policy(
    {
        "view": READERS,
        "create": WRITERS,
        "edit": WRITERS,
        "submit": WRITERS,
        # Approval is a supervisor's decision alone (segregation of duties): administrators
        # too are refused, and no job or command approves without a supervisor.
        "approve": frozenset({Role.SUPERVISOR}),
        "notify": WRITERS,
        "reschedule": WRITERS,
        "cancel": WRITERS,
        "start": WRITERS,
        "complete": WRITERS,
        # Confirmed calls with important customers are recorded by managers (or for them).
        "confirm_call": frozenset({Role.ACCOUNT_MANAGER, Role.SUPERVISOR, Role.ADMIN}),
        # The SMS gateway reports deliveries with an integration account.
        "report_delivery": frozenset({Role.INTEGRATION, Role.ADMIN}),
    },
    decisions={"approve"},
    messages={"approve": _("Only a supervisor approves an outage.")},
)
may = POLICY.allows
check = POLICY.check


def actions_for(outage: PlannedOutage, user) -> list[str]:
    """The actions to offer `user` on `outage`: allowed by both its status and their role."""
    return [a for a in USER_ACTIONS if outage.can(a) and may(user, a)]
