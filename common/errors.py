"""The one exception type services raise when the business refuses an action."""

from django.utils.functional import Promise


class DomainError(Exception):
    """A refused action: `code` is stable for clients, `message` is for people.

    `field` names the input the message is about, so forms and the API can attach it there.
    """

    status_code = 400

    def __init__(self, code: str, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field


class TransitionNotAllowed(DomainError):
    """The action is not allowed in the object's current status (HTTP 409)."""

    status_code = 409


class Busy(DomainError):
    """Another operation holds the lock; try again later (HTTP 409)."""

    status_code = 409
