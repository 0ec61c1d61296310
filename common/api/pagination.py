import base64
import binascii
import datetime as dt
import json
from functools import partial

from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from common.paging import FastPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (at most 500).

    A page that is not a positive number is bad input (400 on `page`); a page past the last one
    is a missing page (404), as in DRF. A `page_size` above the maximum is capped.

    Deep pages go through the index (`common.paging.FastPaginator`); a view that knows its
    count exactly at less cost than COUNT(*) gives it by a method `known_count(request)`
    (None when it does not know it for this request).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        # (int() refuses strings of thousands of digits, so look at the characters.)
        if (
            raw  # an empty `?page=` is the first page, as in DRF
            and raw not in self.last_page_strings
            and not (raw.isascii() and raw.isdigit() and raw.strip("0"))
        ):
            raise ValidationError(
                {self.page_query_param: [_("A page number is a whole number from 1.")]}
            )
        known = getattr(view, "known_count", None)
        self.django_paginator_class = partial(
            FastPaginator, count=known(request) if known is not None else None
        )
        return super().paginate_queryset(queryset, request, view)


class SyncPagination(PageNumberPagination):
    """Page numbers as everywhere, or keyset pages for delta sync (API.md "Delta sync").

    `?cursor=` (empty for the first page) switches to keyset paging: the rows in the order of
    their last change (`updated_at`, then `id`, the sync index of the table), `count` null, and
    `next` carrying the cursor of the last row while a full page came back. A row changed during
    a sync gets a newer `updated_at`, so it comes again before the sync ends. The cursor is opaque
    to clients (base64 of the last row's `updated_at` and `id`).
    """

    cursor_query_param = "cursor"

    def is_keyset(self, request) -> bool:
        return self.cursor_query_param in request.query_params

    def _keyset_rows(self, queryset, request):
        """The rows after the cursor in sync order, and the page size."""
        self.keyset = True
        self.request = request
        size = self.get_page_size(request) or self.page_size
        position = self._decode(request.query_params[self.cursor_query_param])
        rows = queryset.order_by("updated_at", "pk")
        if position is not None:
            moment, pk = position
            rows = rows.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk))
        return rows, size

    def paginate_queryset(self, queryset, request, view=None):
        if not self.is_keyset(request):
            self.keyset = False
            return super().paginate_queryset(queryset, request, view)
        rows, size = self._keyset_rows(queryset, request)
        page = list(rows[: size + 1])
        self.has_more = len(page) > size
        self.page_rows = page[:size]
        self.last = (self.page_rows[-1].updated_at, self.page_rows[-1].pk) if page else None
        return self.page_rows

    def paginate_ids(self, queryset, request) -> list[int]:
        """A keyset page as its ids only (in sync order), for a list that writes its answer
        without model instances (see `raw_response`)."""
        rows, size = self._keyset_rows(queryset, request)
        keys = list(rows.values_list("updated_at", "pk")[: size + 1])
        self.has_more = len(keys) > size
        keys = keys[:size]
        self.last = keys[-1] if keys else None
        return [pk for _moment, pk in keys]

    def _next_url(self) -> str | None:
        if not (self.has_more and self.last):
            return None
        moment, pk = self.last
        assert self.request is not None  # set with the keyset rows
        next_url = replace_query_param(
            self.request.build_absolute_uri(), self.cursor_query_param, self._encode(moment, pk)
        )
        return remove_query_param(next_url, self.page_query_param)

    def get_paginated_response(self, data):
        if not getattr(self, "keyset", False):
            return super().get_paginated_response(data)
        answer = {"count": None, "next": self._next_url(), "previous": None, "results": data}
        return Response(answer)

    def raw_response(self, results_json: str) -> HttpResponse:
        """The keyset page's answer around `results_json`, a JSON array written elsewhere (by
        PostgreSQL), without parsing it again."""
        head = json.dumps({"count": None, "next": self._next_url(), "previous": None})
        body = f'{head[:-1]}, "results": {results_json}}}'
        return HttpResponse(body.encode(), content_type="application/json")

    @staticmethod
    def _encode(moment: dt.datetime, pk: int) -> str:
        raw = json.dumps([moment.isoformat(), pk]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _decode(self, value: str) -> tuple[dt.datetime, int] | None:
        if value == "":
            return None
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            iso, pk = json.loads(raw)
            moment = dt.datetime.fromisoformat(iso)
            if moment.tzinfo is None or not isinstance(pk, int) or isinstance(pk, bool):
                raise ValueError
            if not 0 <= pk < 2**63:
                raise ValueError
            # In the site's zone, as every moment filter (PostgreSQL refuses odd offsets).
            return timezone.localtime(moment), pk
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
            raise ValidationError(
                {self.cursor_query_param: [_("This cursor is not one the API gave out.")]}
            ) from None

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count"] = {
            "type": "integer",
            "nullable": True,
            "example": 123,
            "description": "Null for keyset pages (`?cursor=`).",
        }
        return answer

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Keyset paging for delta sync: empty for the first page, then the cursor "
                    "that `next` carries. Rows come in the order of their last change "
                    "(`updated_at`, `id`); `count` is null."
                ),
                "schema": {"type": "string"},
            },
        ]
