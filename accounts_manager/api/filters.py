import django_filters

from accounts_manager.models import Assignment, FollowUp, FollowUpKind, FollowUpStatus


class AssignmentFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(field_name="end", lookup_expr="isnull")

    class Meta:
        model = Assignment
        fields = ["customer", "manager", "open"]


class FollowUpFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FollowUpStatus.choices)
    kind = django_filters.ChoiceFilter(choices=FollowUpKind.choices)
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")

    class Meta:
        model = FollowUp
        fields = ["status", "kind", "manager", "customer", "due_before"]
