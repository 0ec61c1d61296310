"""Who may do what: each app keeps one table of role × action, a `Policy`, in its `policy.py`.

The app's services check it themselves (`POLICY.check(acting_user, action)`), so pages, API,
admin and commands refuse the same things; pages and API ask it first to answer 403 before
reading a body (`common.api.permissions.PolicyPermission`), and the menu shows a page to the
roles its table lets open it (`common.navigation`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from common.actors import Actor, is_system
from common.roles import Role, role_of, roles_required

ALL_ROLES = frozenset(Role)


class Policy:
    """A table of role × action.

    `decisions` are acts a person must take (approving, closing without a callback): no job
    or command takes them without a user. Every other action is open to the system (a job or
    a command, acting with no user).
    """

    def __init__(
        self,
        table: Mapping[str, Iterable[Role]],
        *,
        decisions: Iterable[str] = (),
        messages: Mapping[str, object] | None = None,
    ) -> None:
        self.table: dict[str, frozenset[Role]] = {a: frozenset(r) for a, r in table.items()}
        self.decisions = frozenset(decisions)
        self.messages = dict(messages or {})
        unknown = (self.decisions | set(self.messages)) - set(self.table)
        if unknown:
            raise ValueError(f"actions not in the table: {sorted(unknown)}")

    def roles(self, action: str) -> frozenset[Role]:
        try:
            return self.table[action]
        except KeyError:
            raise ValueError(f"unknown action {action!r}") from None

    def allows(self, user, action: str) -> bool:
        """Whether `user`'s role may do `action` (the object's state aside)."""
        return role_of(user) in self.roles(action)

    def check(self, user: Actor, action: str) -> None:
        """PermissionDenied unless `user` may do `action`. The system (common.actors.SYSTEM: a
        job or a command) may do anything but take a decision."""
        if user is None:
            raise TypeError("an acting user is required: a person, or common.actors.SYSTEM")
        if is_system(user) and action not in self.decisions:
            self.roles(action)
            return
        if not self.allows(user, action):
            raise PermissionDenied(self.messages.get(action) or _("Your role may not do this."))

    def allowing(self, action: str) -> Callable[[object], bool]:
        """`user -> bool` for `action`, e.g. for a menu entry."""
        self.roles(action)
        return lambda user: self.allows(user, action)

    def actions_allowed(self, user, actions: Iterable[str] | None = None) -> set[str]:
        """The actions (of `actions`, or all) `user`'s role may do."""
        role = role_of(user)
        return {a for a in (actions or self.table) if role in self.roles(a)}


# Pages are for people: the integration clients use the API only.
PEOPLE = ALL_ROLES - {Role.INTEGRATION}


def has_pages(user) -> bool:
    """Whether `user` is a person with a role (who gets pages, a menu and the bell)."""
    return role_of(user) in PEOPLE


def allowed_to(policy: Policy, action: str):
    """A page only the people whose role `policy` allows `action` may open: others get a 403,
    anonymous users the login page."""
    return roles_required(policy.roles(action) & PEOPLE)
