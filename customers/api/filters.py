import django_filters

from common.api.filters import DateTimeFilter, IdFilter
from customers.models import (
    Channel,
    Contact,
    ContactRole,
    Customer,
    CustomerStatus,
    Importance,
    RiskLevel,
    Segment,
    Tariff,
)


class CustomerFilter(django_filters.FilterSet):
    # Delta sync (API.md): rows created or changed at or after this moment.
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    segment = django_filters.ChoiceFilter(choices=Segment.choices)
    importance = django_filters.ChoiceFilter(choices=Importance.choices)
    tariff = django_filters.ChoiceFilter(choices=Tariff.choices)
    region = django_filters.CharFilter(field_name="region__code")
    status = django_filters.ChoiceFilter(choices=CustomerStatus.choices)
    risk_level = django_filters.ChoiceFilter(choices=RiskLevel.choices)
    manager = IdFilter(method="filter_manager", help_text="User id of the account manager.")
    account_no = django_filters.CharFilter(field_name="account_no")
    voltage_kv = django_filters.NumberFilter(field_name="voltage_kv")
    has_backup_generator = django_filters.BooleanFilter()

    class Meta:
        model = Customer
        fields = [
            "segment",
            "importance",
            "voltage_kv",
            "region",
            "status",
            "risk_level",
            "manager",
            "account_no",
            "tariff",
            "has_backup_generator",
        ]

    def filter_manager(self, queryset, name, value):
        return queryset.filter(assignments__manager_id=value, assignments__end__isnull=True)


class ContactFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id")
    role = django_filters.ChoiceFilter(choices=ContactRole.choices)
    preferred_channel = django_filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = Contact
        fields = [
            "customer",
            "role",
            "preferred_channel",
            "receives_outage_notices",
            "receives_billing_notices",
        ]
