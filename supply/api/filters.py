"""Filters of the supply-quality lists (query parameters named after the fields)."""

import django_filters
from django import forms

from common.api.filters import DateTimeFilter
from supply.models import Interruption, InterruptionSource, VoltageReading


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class InterruptionFilter(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(choices=InterruptionSource.choices)
    source_ref = django_filters.CharFilter()
    feeder = django_filters.CharFilter(field_name="feeder__code")
    customer = IdFilter(field_name="customer_id")
    outage = IdFilter(field_name="outage_id")
    planned = django_filters.BooleanFilter()
    ongoing = django_filters.BooleanFilter(field_name="end", lookup_expr="isnull")
    start_after = DateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = DateTimeFilter(field_name="start", lookup_expr="lt")
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Interruption
        fields = ["source", "source_ref", "feeder", "customer", "outage", "planned"]


class VoltageReadingFilter(django_filters.FilterSet):
    point = django_filters.CharFilter(field_name="point__code")
    customer = IdFilter(field_name="point__customer_id")
    day = django_filters.DateFilter()
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = VoltageReading
        fields = ["point", "customer", "day"]
