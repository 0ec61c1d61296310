"""Which role may do what with a connection project: one table for the pages, the API, the
admin and the services.

Which projects a user sees is `Project.objects.visible_to(user)` (connections.querysets); this
module only says which roles may call each action. The auditor reads and never writes; the
marketing system (an integration client) registers applications and reports step progress.
"""

from __future__ import annotations

from common.policy import Policy
from common.roles import Role

PEOPLE_HANDLING = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER})
HANDLERS = PEOPLE_HANDLING | {Role.INTEGRATION}

POLICY = Policy(
    {
        "view": frozenset(Role),
        "create": HANDLERS,
        "update": HANDLERS,
        "finish": HANDLERS,
        "return": HANDLERS,
        "wait": HANDLERS,
        "suspend": HANDLERS,
        "resume": HANDLERS,
        "cancel": HANDLERS,
        "documents": PEOPLE_HANDLING,
        "attach": PEOPLE_HANDLING,
        "archive": PEOPLE_HANDLING,
        # The weekly project review (周例会) is the supervisors' meeting.
        "review": frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR}),
        "export": frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER, Role.AUDITOR}),
    }
)
may = POLICY.allows
require = POLICY.check

# The project's actions a page shows as buttons (besides create, view, review, export).
PROJECT_ACTIONS = (
    "update",
    "finish",
    "return",
    "wait",
    "suspend",
    "resume",
    "cancel",
    "documents",
    "attach",
    "archive",
)


def available_actions(project, user, role_actions: set[str] | None = None) -> set[str]:
    """The actions `user` may take on `project` now: role and status. `role_actions` (what
    the user's role may do, `POLICY.actions_allowed`) saves asking again for each row."""
    if role_actions is None:
        role_actions = POLICY.actions_allowed(user, PROJECT_ACTIONS)
    actions = {a for a in PROJECT_ACTIONS if a in role_actions and project.allows(a)}
    if "archive" in actions and project.archived_at is not None:
        actions.discard("archive")
    if "return" in actions and project.current_step == project.step_codes[1]:
        # The first step after the application has nothing before it to go back to.
        actions.discard("return")
    return actions
