import django_filters

from common.api.filters import DateTimeFilter
from outages.models import (
    ImpactLevel,
    Notification,
    NotificationKind,
    NotificationStatus,
    OutageImpact,
    OutageKind,
    OutageStatus,
    PlannedOutage,
)


class OutageFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OutageStatus.choices, distinct=False)
    kind = django_filters.MultipleChoiceFilter(choices=OutageKind.choices, distinct=False)
    feeder = django_filters.CharFilter(field_name="feeders__code", distinct=True)
    # The same filter under the field's own name (API.md: filters are named after fields).
    feeders = django_filters.CharFilter(field_name="feeders__code", distinct=True)
    region = django_filters.CharFilter(field_name="feeders__region__code", distinct=True)
    start_after = DateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = DateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = PlannedOutage
        fields = [
            "status",
            "kind",
            "feeder",
            "feeders",
            "region",
            "start_after",
            "start_before",
            "reference",
        ]


class ImpactFilter(django_filters.FilterSet):
    impact = django_filters.ChoiceFilter(choices=ImpactLevel.choices)
    important = django_filters.BooleanFilter()
    reachable = django_filters.BooleanFilter()
    notified = django_filters.BooleanFilter()
    confirmed = django_filters.BooleanFilter()
    customer = django_filters.NumberFilter(field_name="customer_id")

    class Meta:
        model = OutageImpact
        fields = ["impact", "important", "reachable", "notified", "confirmed", "customer"]


class NotificationFilter(django_filters.FilterSet):
    # Delta sync (API.md): rows created or changed at or after this moment.
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    channel = django_filters.ChoiceFilter(choices=Notification._meta.get_field("channel").choices)
    kind = django_filters.ChoiceFilter(choices=NotificationKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=NotificationStatus.choices, distinct=False)

    class Meta:
        model = Notification
        fields = ["outage", "customer", "contact", "channel", "kind", "status"]
