import django_filters

from common.api.filters import DateTimeFilter
from connections.models import Kind, Project, Scheme, Status, Step


class ProjectFilter(django_filters.FilterSet):
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices)
    supply_scheme = django_filters.MultipleChoiceFilter(choices=Scheme.choices)
    current_step = django_filters.MultipleChoiceFilter(choices=Step.choices)
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
