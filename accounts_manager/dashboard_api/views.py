"""API of the dashboard, managers' performance and visits. Views parse input, call the
selectors and services of accounts_manager, and render."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts_manager import dashboard, performance, visits
from accounts_manager.dashboard_api.serializers import (
    DashboardSerializer,
    PerformanceSerializer,
    SnapshotRequestSerializer,
    SnapshotResultSerializer,
    VisitPlanSerializer,
    VisitSerializer,
)
from accounts_manager.models import VisitPlan
from accounts_manager.querysets import visible_managers
from accounts_manager.visit_models import VisitKind, VisitOutcome, VisitPlanStatus
from common import workcalendar
from common.api.filters import DateTimeFilter, IdFilter
from common.api.permissions import SUPERVISORS
from common.moments import period_label
from common.roles import Role

PERIOD_PARAMETER = OpenApiParameter(
    "period", OpenApiTypes.STR, description="A month, YYYY-MM (default: the current month)."
)
VISIT_WRITERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ACCOUNT_MANAGER})


class DashboardView(APIView):
    """The supervisors' dashboard figures (the same the /dashboard/ page shows)."""

    read_roles = dashboard.DASHBOARD_ROLES | {Role.INTEGRATION}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "region", OpenApiTypes.STR, description="A region code (default: all you see)."
            ),
            PERIOD_PARAMETER,
        ],
        responses={200: DashboardSerializer},
    )
    def get(self, request):
        figures_filter = dashboard.parse_filter(request.user, request.query_params)
        # The figures are built JSON-ready in the documented shape (DashboardSerializer, which
        # a test holds them to); passing 500 managers' rows through the serializer again would
        # only cost time.
        figures = dashboard.dashboard_figures(figures_filter)
        figures["calendar_missing_year"] = workcalendar.missing_next_year(timezone.localdate())
        return Response(figures)


def performance_data(manager, period, *, today=None) -> dict:
    """The performance answer of one manager and month (the page shows the same)."""
    figures = performance.manager_indicators([manager.pk], period, today=today)[manager.pk]
    return {
        "manager": manager.pk,
        "name": manager.display_name,
        "period": period_label(period),
        "as_of": figures.as_of,
        "source": figures.source,
        "computed_at": figures.computed_at,
        "indicators": figures.as_dict(),
        "score": dashboard.number(figures.score),
        "stars": figures.stars,
    }


class ManagerPerformanceView(APIView):
    """A manager's indicators and stars for one month. A manager sees only themselves, a
    supervisor the managers of their region; anyone else is answered 404."""

    @extend_schema(parameters=[PERIOD_PARAMETER], responses={200: PerformanceSerializer})
    def get(self, request, pk: int):
        manager = get_object_or_404(visible_managers(request.user), pk=pk)
        period = performance.parse_period(request.query_params.get("period"))
        return Response(PerformanceSerializer(performance_data(manager, period)).data)


class PerformanceSnapshotView(APIView):
    """Take the monthly performance snapshots of a finished month now (the scheduled job does
    it on its own); snapshots already taken are kept."""

    read_roles = SUPERVISORS
    write_roles = SUPERVISORS

    @extend_schema(request=SnapshotRequestSerializer, responses={200: SnapshotResultSerializer})
    def post(self, request):
        serializer = SnapshotRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        period = performance.parse_period(serializer.validated_data["period"])
        created = performance.snapshot_performance(period, acting_user=request.user)
        return Response({"period": period_label(period), "created": created})


# --- visits ----------------------------------------------------------------------------------


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
    write_roles = VISIT_WRITERS

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
        return queryset.filter(manager_id_open=value)

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
