"""Which role may do what with a complaint ticket: one table for the pages, the API and the
services.

Which tickets a user sees is `Complaint.objects.visible_to(user)` (complaints.querysets); this
module only says which roles may call each action. The auditor reads and never writes.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common.policy import Policy
from common.roles import Role

HANDLERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER})
SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})

POLICY = Policy(
    {
        "view": frozenset(Role),
        # The 95598 hotline system pushes tickets and may report its own callbacks and reopenings.
        "create": HANDLERS | {Role.INTEGRATION},
        "update": HANDLERS,
        "acknowledge": HANDLERS,
        "start": HANDLERS,
        "resolve": HANDLERS,
        # Dispatching (派单) is the supervisor's job.
        "assign": SUPERVISORS,
        "callback": HANDLERS | {Role.INTEGRATION},
        # Closing without a callback is the supervisor's decision alone (segregation of duties:
        # administrators too are refused), and is reported.
        "close": frozenset({Role.SUPERVISOR}),
        "reopen": HANDLERS | {Role.INTEGRATION},
        "comment": HANDLERS,
        "attach": HANDLERS,
    },
    decisions={"close"},
    messages={"close": _("Only a supervisor may close a complaint without a callback.")},
)
may = POLICY.allows
require = POLICY.check


def callback_allowed_for(complaint, user) -> bool:
    """A callback is not recorded by the person who resolved the ticket (unless allowed)."""
    if getattr(settings, "COMPLAINT_CALLBACK_BY_RESOLVER_ALLOWED", False):
        return True
    return user is None or complaint.resolved_by_id is None or complaint.resolved_by_id != user.pk


def close_allowed_after_attempts(complaint) -> bool:
    return complaint.failed_callbacks >= settings.COMPLAINT_CLOSE_WITHOUT_CALLBACK_AFTER_ATTEMPTS


def available_actions(complaint, user) -> set[str]:
    """The actions `user` may take on `complaint` now: role, status and closure rules."""
    actions = {
        a
        for a in POLICY.table
        if a not in ("create", "view") and may(user, a) and complaint.allows(a)
    }
    if "callback" in actions and not callback_allowed_for(complaint, user):
        actions.discard("callback")
    if "close" in actions and not close_allowed_after_attempts(complaint):
        actions.discard("close")
    return actions
