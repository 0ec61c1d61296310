import django_filters

from accounts_manager.models import FollowUp, FollowUpKind, FollowUpStatus, User
from common.api.filters import DateTimeFilter, IdFilter
from common.roles import Role
from customers.models import Assignment


class AssignmentFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id")
    manager = IdFilter(field_name="manager_id")
    open = django_filters.BooleanFilter(field_name="end", lookup_expr="isnull")

    class Meta:
        model = Assignment
        fields = ["customer", "manager", "open"]


class FollowUpFilter(django_filters.FilterSet):
    # Delta sync (API.md): rows created or changed at or after this moment.
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    status = django_filters.ChoiceFilter(choices=FollowUpStatus.choices)
    kind = django_filters.ChoiceFilter(choices=FollowUpKind.choices)
    manager = IdFilter(field_name="manager_id")
    customer = IdFilter(field_name="customer_id")
    due_before = DateTimeFilter(field_name="due_at", lookup_expr="lt")

    class Meta:
        model = FollowUp
        fields = ["status", "kind", "manager", "customer", "due_before"]


class ManagerFilter(django_filters.FilterSet):
    supervisor = IdFilter(field_name="supervisor_id")
    region = django_filters.CharFilter(field_name="region__code")

    class Meta:
        model = User
        fields = ["is_active", "supervisor", "region", "employee_no"]


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices, method="filter_role")
    region = django_filters.CharFilter(field_name="region__code")

    class Meta:
        model = User
        fields = ["is_active", "username", "employee_no", "role", "region"]

    def filter_role(self, queryset, name, value):
        if value == Role.ADMIN:
            return queryset.filter(is_superuser=True)
        return queryset.filter(groups__name=value, is_superuser=False)
