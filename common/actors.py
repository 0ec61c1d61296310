"""Who acts: every service that changes data takes `acting_user`, a person (a signed-in user)
or `SYSTEM`, the product itself (a scheduled job, a command, a data migration).

The policy tables (`common.policy.Policy`) let the system do anything but take a decision a
person must take (approving, closing without a callback); the scoping helpers let it reach every
customer. What a service stores as "done by" is `person(acting_user)`: the user, or nobody for
the system.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from accounts_manager.models import User


class SystemActor:
    """The product acting on its own. Not a user: it holds no role and signs in nowhere."""

    pk = None
    id = None
    is_authenticated = False
    is_active = False
    is_superuser = False
    region_id = None

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()

Actor: TypeAlias = "User | SystemActor"


def is_system(actor: object) -> bool:
    return actor is SYSTEM


def person(actor: object) -> User | None:
    """The user to store as the author of a change: None for the system (or an anonymous
    caller)."""
    if getattr(actor, "is_authenticated", False):
        return actor  # type: ignore[return-value]
    return None
