import django_filters
from django.db.models import Q
from django.utils import timezone

from common.api.filters import DateTimeFilter
from complaints.models import Category, Channel, Complaint, Severity, Status
from complaints.querysets import overdue_q


class ComplaintFilter(django_filters.FilterSet):
    # Delta sync (API.md): rows created or changed at or after this moment.
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    category = django_filters.MultipleChoiceFilter(choices=Category.choices, distinct=False)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices, distinct=False)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, distinct=False)
    customer = django_filters.NumberFilter(field_name="customer_id")
    account_no = django_filters.CharFilter(field_name="customer__account_no")
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    repeat_of = django_filters.NumberFilter(field_name="repeat_of_id")
    breached = django_filters.BooleanFilter()
    is_repeat = django_filters.BooleanFilter()
    escalation_level = django_filters.NumberFilter()
    escalated = django_filters.BooleanFilter(method="filter_escalated")
    open = django_filters.BooleanFilter(method="filter_open")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    closed_without_callback = django_filters.BooleanFilter()
    received_after = DateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = DateTimeFilter(field_name="received_at", lookup_expr="lt")
    resolve_due_before = DateTimeFilter(field_name="resolve_due", lookup_expr="lt")

    class Meta:
        model = Complaint
        fields = ["ticket_no", "external_ref"]

    def filter_escalated(self, queryset, name, value):
        return (
            queryset.filter(escalation_level__gt=0)
            if value
            else queryset.filter(escalation_level=0)
        )

    def filter_open(self, queryset, name, value):
        return (
            queryset.exclude(status=Status.CLOSED)
            if value
            else queryset.filter(status=Status.CLOSED)
        )

    def filter_overdue(self, queryset, name, value):
        condition = overdue_q(timezone.now())
        return queryset.filter(condition) if value else queryset.filter(~Q(condition))
