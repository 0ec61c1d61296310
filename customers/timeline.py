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

from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.db.models.functions import Cast, Concat

from customers.models import Customer

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


def choice_label(field: str, choices, *, default=None) -> Case:
    """The translated label of a choice field, in SQL, so the timeline stays one query.

    `choices` is a list of (value, label) pairs; a value without a label shows as itself, or
    as `default` when given.
    """
    return Case(
        *[When(**{field: value}, then=text(label)) for value, label in choices],
        default=F(field) if default is None else text(default),
        output_field=CharField(),
    )


def customer_timeline(customer, *, kinds: Iterable[str] | None = None) -> QuerySet:
    """The customer's timeline entries as dicts with tl_* keys, newest first."""
    kinds = None if kinds is None else set(kinds)
    wanted = [p for p in PROVIDERS if kinds is None or p.kind in kinds]
    parts = [p.build(customer).values(*TIMELINE_FIELDS).order_by() for p in wanted]
    if not parts:
        return (
            Customer.objects.none()
            .annotate(tl_at=Value(None), tl_kind=text(""), tl_summary=text(""), tl_ref=text(""))
            .values(*TIMELINE_FIELDS)
        )
    first, *rest = parts
    combined = first.union(*rest, all=True) if rest else first
    return combined.order_by("-tl_at", "-tl_ref")


# A timeline entry's `ref` (`complaint:42`) links to the page of what it refers to: each app
# names its page with `register_ref_page`, so the customer register imports no other part; a
# name that does not resolve simply gives no link.
REF_PAGES: dict[str, str] = {}


def register_ref_page(prefix: str, url_name: str) -> None:
    """Link the timeline refs `<prefix>:<pk>` to the page `url_name` (taking the pk)."""
    REF_PAGES[prefix] = url_name


def ref_url(ref_value: str) -> str | None:
    """The page of the object a timeline `ref` names, or None."""
    from django.urls import NoReverseMatch, reverse

    prefix, _, pk = (ref_value or "").partition(":")
    url_name = REF_PAGES.get(prefix)
    if url_name is None or not pk.isdigit():
        return None
    try:
        return reverse(url_name, args=[int(pk)])
    except NoReverseMatch:
        return None


def timeline_kinds() -> list[tuple[str, str]]:
    return [(kind, str(label)) for kind, label in KIND_LABELS.items()]
