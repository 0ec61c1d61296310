"""API of visits and the visit plan. Views parse input, call visits.services, and render."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.utils import timezone
from rest_framework import mixins, viewsets

from common.api.filters import DateTimeFilter, IdFilter
from visits import services as visits
from visits.api.serializers import VisitPlanSerializer, VisitSerializer
from visits.models import VisitKind, VisitOutcome, VisitPlan, VisitPlanStatus
from visits.policy import POLICY


class VisitFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id")
    manager = IdFilter(field_name="manager_id")
    kind = django_filters.ChoiceFilter(choices=VisitKind.choices)
    outcome = django_filters.ChoiceFilter(choices=VisitOutcome.choices)
    visited_after = DateTimeFilter(field_name="visited_at", lookup_expr="gte")
    visited_before = DateTimeFilter(field_name="visited_at", lookup_expr="lt")


class VisitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Visits made to the customers you see; POST records one (with its optional survey)."""

    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    search_fields = ["notes", "customer__name", "customer__account_no"]
    ordering_fields = ["visited_at", "created_at"]
    ordering = ["-visited_at", "-id"]
    write_roles = POLICY.roles("record_visit")

    def get_queryset(self):
        return visits.visits_visible_to(self.request.user).prefetch_related(
            Prefetch("plans", queryset=VisitPlan.objects.only("pk", "visit_id"))
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        customer = data["customer"]
        visit = visits.record_visit(
            customer,
            manager=data.get("manager"),
            visited_at=data.get("visited_at") or timezone.now(),
            kind=data["kind"],
            outcome=data["outcome"],
            notes=data.get("notes", ""),
            contact_person=data.get("contact_person", ""),
            survey=data.get("survey"),
            acting_user=self.request.user,
        )
        serializer.instance = self.get_queryset().get(pk=visit.pk)


class VisitPlanFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id")
    manager = IdFilter(method="filter_manager", label="manager")
    status = django_filters.ChoiceFilter(choices=VisitPlanStatus.choices)
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    def filter_manager(self, queryset, name, value):
        # Through the open assignment (its manager index), not the annotation, which would be
        # computed for every plan before filtering.
        return queryset.filter(
            customer__assignments__manager_id=value, customer__assignments__end__isnull=True
        )

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        overdue = {"status": VisitPlanStatus.PLANNED, "due_date__lt": today}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class VisitPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The visit plan of the customers you see: one item per customer per cycle."""

    serializer_class = VisitPlanSerializer
    filterset_class = VisitPlanFilter
    ordering_fields = ["due_date", "window_start"]
    ordering = ["due_date", "id"]

    def get_queryset(self):
        return visits.plans_visible_to(self.request.user)
