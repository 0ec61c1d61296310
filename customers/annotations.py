"""Figures other apps add to the customer list of the API (e.g. billing's
`outstanding_amount`): each registers an expression from its AppConfig.ready(), so the customer
register imports no app above it and the list stays one query."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Expression, QuerySet

_ANNOTATIONS: dict[str, Callable[[], Expression]] = {}


def register_annotation(name: str, expression: Callable[[], Expression]) -> None:
    """Annotate `name` = `expression()` on the customers the API lists."""
    _ANNOTATIONS[name] = expression


def annotate(customers: QuerySet) -> QuerySet:
    return customers.annotate(**{name: build() for name, build in _ANNOTATIONS.items()})
