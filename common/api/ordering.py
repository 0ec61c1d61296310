"""`?ordering=` with a stable order: the rows' id breaks ties, in the direction of the last
field asked for.

Without it, `?ordering=channel` leaves the order among equal values to the database, so a page
may repeat or skip rows of the page before; and with it, `ORDER BY x, id` (or `x DESC, id DESC`)
is what a two-column index `(x, id)` serves in either direction, deep pages included.
"""

from __future__ import annotations

from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        terms = list(ordering)
        if terms[-1].lstrip("-") in ("pk", "id"):
            return terms
        return [*terms, "-pk" if terms[-1].startswith("-") else "pk"]
