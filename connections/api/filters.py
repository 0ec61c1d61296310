import django_filters

from common.api.filters import DateTimeFilter
from connections.models import Kind, Project, Scheme, Status, Step


class ProjectFilter(django_filters.FilterSet):
    # `distinct=False`: each filter is on the project's own column, so no row comes twice, and
    # DISTINCT over every column made PostgreSQL sort the whole list.
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices, distinct=False)
    supply_scheme = django_filters.MultipleChoiceFilter(choices=Scheme.choices, distinct=False)
    current_step = django_filters.MultipleChoiceFilter(choices=Step.choices, distinct=False)
    manager = django_filters.NumberFilter(field_name="manager_id")
    region = django_filters.CharFilter(field_name="region__code")
    customer = django_filters.NumberFilter(field_name="customer_id")
    breached = django_filters.BooleanFilter()
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True
    )
    accepted_after = DateTimeFilter(field_name="accepted_at", lookup_expr="gte")
    accepted_before = DateTimeFilter(field_name="accepted_at", lookup_expr="lt")

    class Meta:
        model = Project
        fields = ["number", "external_ref"]
