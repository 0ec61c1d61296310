"""`?search=`: DRF's search, except where the rows know how to search themselves.

The register (`CustomerQuerySet.search`) and the rows that hang off a customer
(`CustomerScopedQuerySet.search`) answer from their indexes: the view's `search_fields` that go
through the customer (`customer__name`, `customer__account_no`) become the register's one search
(which also finds credit codes and contacts), the others are the rows' own fields. Each word of
the term is required, as DRF does it. Other querysets get DRF's search unchanged.
"""

from rest_framework import filters

# DRF's lookup prefixes (`^` starts with, `=` exact, `@` full text, `$` regex): such fields
# keep DRF's own search.
_PREFIXES = ("^", "=", "@", "$")


class SearchFilter(filters.SearchFilter):
    def filter_queryset(self, request, queryset, view):
        terms = self.get_search_terms(request)
        fields = tuple(self.get_search_fields(view, request) or ())
        search = getattr(queryset, "search", None)
        if not terms or search is None or any(f.startswith(_PREFIXES) for f in fields):
            return super().filter_queryset(request, queryset, view)
        path = getattr(queryset, "customer_path", None)
        if path is None:  # the register itself
            for term in terms:
                queryset = queryset.search(term)
            return queryset
        own = tuple(f for f in fields if not f.startswith(f"{path}__"))
        by_customer = len(own) < len(fields)
        for term in terms:
            queryset = queryset.search(term, own_fields=own, by_customer=by_customer)
        return queryset
