"""FilterSets of the billing API. Related rows are filtered by id without an existence check,
so a filter never tells whether an object outside the caller's scope exists."""

import django_filters
from django import forms
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from billing.imports import parse_period
from billing.models import (
    ActionKind,
    Bill,
    BillStatus,
    CollectionAction,
    CustomerBalance,
    Disconnection,
    DisconnectionStatus,
    Payment,
    PaymentChannel,
    PaymentPromise,
    PromiseStatus,
)
from billing.querysets import BILL_STATUS_CONDITIONS
from billing.selectors import (
    AGING_CHOICES,
    ARREARS_ORDERINGS,
    order_arrears,
    with_arrears_aged,
)
from common.api.filters import DateTimeFilter
from customers.models import Importance, Segment


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class PeriodFilter(django_filters.CharFilter):
    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        try:
            period = parse_period(value)
        except forms.ValidationError as exc:
            raise ValidationError({self.field_name: exc.messages}) from exc
        return qs.filter(**{f"period__{self.lookup_expr}": period})


class BillFilter(django_filters.FilterSet):
    def filter_status(self, queryset, name, value):
        return queryset.filter(BILL_STATUS_CONDITIONS[value])

    # Delta sync (API.md): rows created or changed at or after this moment.
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    customer = IdFilter(field_name="customer_id")
    account_no = django_filters.CharFilter(field_name="customer__account_no")
    period = PeriodFilter(field_name="period", lookup_expr="exact")
    period_from = PeriodFilter(field_name="period", lookup_expr="gte")
    period_to = PeriodFilter(field_name="period", lookup_expr="lte")
    status = django_filters.ChoiceFilter(choices=BillStatus.choices, method="filter_status")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lt")
    tariff_category = django_filters.CharFilter(field_name="tariff_category")

    class Meta:
        model = Bill
        fields = [
            "customer",
            "account_no",
            "period",
            "period_from",
            "period_to",
            "status",
            "due_before",
            "tariff_category",
        ]


class PaymentFilter(django_filters.FilterSet):
    # Delta sync (API.md): rows created or changed at or after this moment.
    updated_since = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    customer = IdFilter(field_name="customer_id")
    account_no = django_filters.CharFilter(field_name="customer__account_no")
    channel = django_filters.ChoiceFilter(choices=PaymentChannel.choices)
    reference = django_filters.CharFilter()
    reversed = django_filters.BooleanFilter(
        field_name="reversed_at", lookup_expr="isnull", exclude=True
    )
    paid_after = DateTimeFilter(field_name="paid_at", lookup_expr="gte")
    paid_before = DateTimeFilter(field_name="paid_at", lookup_expr="lt")

    class Meta:
        model = Payment
        fields = [
            "customer",
            "account_no",
            "channel",
            "reference",
            "reversed",
            "paid_after",
            "paid_before",
        ]


class CollectionActionFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id")
    kind = django_filters.ChoiceFilter(choices=ActionKind.choices)
    delivered = django_filters.BooleanFilter(
        field_name="delivered_at", lookup_expr="isnull", exclude=True
    )
    after = DateTimeFilter(field_name="at", lookup_expr="gte")
    before = DateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = CollectionAction
        fields = ["customer", "kind", "delivered", "after", "before"]


class PromiseFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id")
    status = django_filters.ChoiceFilter(choices=PromiseStatus.choices)
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")

    class Meta:
        model = PaymentPromise
        fields = ["customer", "status", "due_before", "due_after"]


class DisconnectionFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id")
    status = django_filters.ChoiceFilter(choices=DisconnectionStatus.choices)
    scheduled_after = django_filters.DateFilter(field_name="scheduled_for", lookup_expr="gte")
    scheduled_before = django_filters.DateFilter(field_name="scheduled_for", lookup_expr="lte")
    reconnection_overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Disconnection
        fields = [
            "customer",
            "status",
            "scheduled_after",
            "scheduled_before",
            "reconnection_overdue",
        ]

    def filter_overdue(self, queryset, name, value):
        overdue = Disconnection.objects.reconnection_overdue().values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


class ArrearsFilter(django_filters.FilterSet):
    """Filters of the arrears rows (customer balances: amounts and aging are balance columns)."""

    customer = IdFilter(field_name="customer_id")
    account_no = django_filters.CharFilter(field_name="customer__account_no")
    region = django_filters.CharFilter(field_name="customer__region__code")
    importance = django_filters.ChoiceFilter(
        field_name="customer__importance", choices=Importance.choices
    )
    segment = django_filters.ChoiceFilter(field_name="customer__segment", choices=Segment.choices)
    manager = IdFilter(method="filter_manager")
    min_outstanding = django_filters.NumberFilter(field_name="outstanding", lookup_expr="gte")
    aging = django_filters.ChoiceFilter(
        choices=AGING_CHOICES,
        method="filter_aging",
        help_text="Only customers with arrears in this bucket.",
    )

    class Meta:
        model = CustomerBalance
        fields = [
            "customer",
            "account_no",
            "region",
            "importance",
            "segment",
            "manager",
            "min_outstanding",
            "aging",
        ]

    def filter_manager(self, queryset, name, value):
        return queryset.filter(
            customer__assignments__manager_id=value, customer__assignments__end__isnull=True
        )

    def filter_aging(self, queryset, name, value):
        return with_arrears_aged(queryset, value)


class ArrearsOrdering(OrderingFilter):
    """`?ordering=` over the arrears rows; `days_past_due` sorts by the oldest due date."""

    def get_default_ordering(self, view):
        return ["-outstanding"]

    def get_valid_fields(self, queryset, view, context=None):
        return [(name, name) for name in ARREARS_ORDERINGS]

    def filter_queryset(self, request, queryset, view):
        return order_arrears(queryset, self.get_ordering(request, queryset, view) or [])
