import django_filters

from customers.models import Contact, Customer, Importance, RiskLevel, Segment


class CustomerFilter(django_filters.FilterSet):
    segment = django_filters.ChoiceFilter(choices=Segment.choices)
    importance = django_filters.ChoiceFilter(choices=Importance.choices)
    region = django_filters.CharFilter(field_name="region__code")
    status = django_filters.ChoiceFilter(choices=Customer._meta.get_field("status").choices)
    risk_level = django_filters.ChoiceFilter(choices=RiskLevel.choices)
    manager = django_filters.NumberFilter(method="filter_manager")
    account_no = django_filters.CharFilter(field_name="account_no")
    voltage_kv = django_filters.NumberFilter(field_name="voltage_kv")

    class Meta:
        model = Customer
        fields = ["segment", "importance", "voltage_kv", "region", "status", "risk_level",
                  "manager", "account_no"]

    def filter_manager(self, queryset, name, value):
        return queryset.filter(assignments__manager_id=value, assignments__end__isnull=True)


class ContactFilter(django_filters.FilterSet):
    class Meta:
        model = Contact
        fields = ["customer", "role", "preferred_channel", "receives_outage_notices",
                  "receives_billing_notices"]
