"""`?search=` on the customer list: the register's one search (CustomerQuerySet.search) for
each word, all words required, as DRF's SearchFilter does with its fields."""

from rest_framework.filters import SearchFilter


class CustomerSearchFilter(SearchFilter):
    def filter_queryset(self, request, queryset, view):
        for term in self.get_search_terms(request):
            queryset = queryset.search(term)
        return queryset
