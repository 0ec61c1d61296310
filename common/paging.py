"""One paginator for the API's lists: pages found through their ids, counts given or counted.

A page is found in two steps when that is cheaper than one: the ids of the page alone, then
those rows with everything the list shows. Two cases need it:

- deep pages: `OFFSET 100000` makes PostgreSQL fetch and throw away a hundred thousand rows with
  every column and annotation of the list, where the ids alone come from an index of the
  ordering columns and the id without reading the table (from `DEFERRED_FROM` rows on);
- lists that join related rows for their answer (`select_related`): PostgreSQL joins every row
  (a complaint to all 200,000 customers) before it sorts and keeps fifty, where the ids need
  no join at all.

The result is the same page; the number of statements stays fixed whatever the page (one more
than a single query).

`count` may be given when the caller knows it exactly at less cost (billing keeps the number of
bills and payments per region, `billing.counts`); otherwise it is counted as usual.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property

# Pages starting at this row or later are found through their ids first.
DEFERRED_FROM = 1000


class FastPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        if self._known_count is not None:
            return self._known_count
        return super().count

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if not isinstance(rows, QuerySet) or not _deferrable(rows):
            return super().page(number)
        if bottom < DEFERRED_FROM and not rows.query.select_related:
            return super().page(number)
        top = min(bottom + self.per_page, self.count)
        ids = list(rows.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.filter(pk__in=ids).order_by()}
        return self._get_page(  # type: ignore[attr-defined]
            [found[pk] for pk in ids if pk in found], number, self
        )


def _deferrable(rows: QuerySet) -> bool:
    """A queryset of model instances, ordered, not sliced."""
    return (
        rows._iterable_class is ModelIterable
        and rows.ordered
        and not rows.query.is_sliced
        and not rows.query.distinct
    )
