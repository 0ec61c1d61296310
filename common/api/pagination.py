from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (at most 500).

    A page that is not a positive number is bad input (400 on `page`); a page past the last one
    is a missing page (404), as in DRF. A `page_size` above the maximum is capped.
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
        return super().paginate_queryset(queryset, request, view)
