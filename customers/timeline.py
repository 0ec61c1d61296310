"""One timeline per customer across every part of the product.

Each part registers a provider: a function that takes a customer and returns a queryset
annotated with `tl_at`, `tl_kind`, `tl_summary` and `tl_ref` (strings for the last three).
The timeline is the SQL UNION ALL of the providers, ordered newest first, so a page of it is
one query whatever the number of entries or parts. Providers are registered from each app's
`timeline.py`, imported by its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat

TIMELINE_FIELDS = ("tl_at", "tl_kind", "tl_summary", "tl_ref")


@dataclass(frozen=True)
class Provider:
    kind: str
    label: str
    build: Callable[[object], QuerySet]


PROVIDERS: list[Provider] = []
KIND_LABELS: dict[str, object] = {}


def register(kind: str, label) -> Callable:
    """Register `fn(customer) -> QuerySet` as a provider of timeline entries of `kind`.

    Several providers may share a kind (record changes come from several history tables).
    """

    def decorator(fn: Callable[[object], QuerySet]) -> Callable[[object], QuerySet]:
        PROVIDERS.append(Provider(kind=kind, label=label, build=fn))
        KIND_LABELS.setdefault(kind, label)
        return fn

    return decorator


def ref(prefix: str, field: str = "pk"):
    """`prefix:<id>` as a SQL expression, e.g. `complaint:42`."""
    return Concat(
        Value(f"{prefix}:"), Cast(field, output_field=CharField()), output_field=CharField()
    )


def text(value) -> Value:
    return Value(str(value), output_field=CharField())


def customer_timeline(customer, *, kinds: Iterable[str] | None = None) -> QuerySet:
    """The customer's timeline entries as dicts with tl_* keys, newest first."""
    kinds = None if kinds is None else set(kinds)
    wanted = [p for p in PROVIDERS if kinds is None or p.kind in kinds]
    parts = [p.build(customer).values(*TIMELINE_FIELDS).order_by() for p in wanted]
    if not parts:
        from customers.models import Customer

        return (
            Customer.objects.none()
            .annotate(tl_at=Value(None), tl_kind=text(""), tl_summary=text(""), tl_ref=text(""))
            .values(*TIMELINE_FIELDS)
        )
    first, *rest = parts
    combined = first.union(*rest, all=True) if rest else first
    return combined.order_by("-tl_at", "-tl_ref")


def timeline_kinds() -> list[tuple[str, str]]:
    return [(kind, str(label)) for kind, label in KIND_LABELS.items()]
