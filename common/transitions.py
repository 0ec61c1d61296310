"""One small state-machine helper for every object with a status and an explicit map of actions.

Each app writes its map in its own models module as `{action: (from_statuses, new_status)}`
(a new status of None keeps the status: an action allowed only in some statuses, such as
editing) and wraps it in a `StateMachine`. Services call `check`, which refuses (HTTP 409) with a
translated message naming the action and the current status; pages and serializers call
`allowed` / `actions_from` to show only the buttons that would succeed. Roles are checked
elsewhere: this says only what the status allows.

Why not django-fsm-2: the three machines (outages, complaints, disconnections) keep one status
field, change it only in services that already lock the row, save with `update_fields` and
record their own events. django-fsm's decorated methods, signals and protected fields would
change how they save and would add a dependency for what is a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from common.errors import TransitionNotAllowed

DEFAULT_REFUSAL = _("“%(action)s” is not allowed while the status is %(status)s.")


class StateMachine:
    """The allowed actions of one status field.

    `refusal` is the message of a refused action; it may use %(action)s (the action's label),
    %(status)s (the current status's label) and %(target)s (the label of the status the action
    leads to).
    """

    def __init__(
        self,
        states: type[models.TextChoices],
        transitions: Mapping[str, tuple[Iterable[str], str | None]],
        *,
        labels: Mapping[str, str | Promise] | None = None,
        refusal: str | Promise = DEFAULT_REFUSAL,
        field: str = "status",
    ) -> None:
        self.states = states
        self.transitions: dict[str, tuple[frozenset[str], str | None]] = {
            action: (frozenset(sources), target)
            for action, (sources, target) in transitions.items()
        }
        unknown = {
            state
            for sources, target in self.transitions.values()
            for state in (*sources, *([target] if target is not None else []))
            if state not in states.values
        }
        if unknown:
            raise ValueError(f"Not a status of {states.__name__}: {sorted(unknown)}")
        self.labels = labels if labels is not None else {}
        self.refusal = refusal
        self.field = field

    def allowed(self, state: str, action: str) -> bool:
        """Whether `action` may be taken in `state` (an unknown action never may)."""
        return action in self.transitions and state in self.transitions[action][0]

    def target(self, state: str, action: str) -> str:
        """The status after `action` taken in `state` (the same status when the map says None)."""
        return self.transitions[action][1] or state

    def actions_from(self, state: str) -> list[str]:
        """The actions allowed in `state`, in the map's order."""
        return [action for action in self.transitions if self.allowed(state, action)]

    def check(self, obj: Any, action: str) -> str:
        """The status `obj` would have after `action`; TransitionNotAllowed (409) if refused."""
        state = getattr(obj, self.field)
        if not self.allowed(state, action):
            target = self.transitions.get(action, (frozenset(), None))[1] or state
            raise TransitionNotAllowed(
                "transition_not_allowed",
                self.refusal
                % {
                    "action": self.labels.get(action, action),
                    "status": self.states(state).label,
                    "target": self.states(target).label,
                },
            )
        return self.target(state, action)
