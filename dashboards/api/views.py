"""API of the dashboard and managers' performance. Views parse input, call the selectors and
services of dashboards, and render."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from common import moments, workcalendar
from common.moments import period_label
from customers.portfolios import visible_managers
from dashboards import performance
from dashboards import selectors as dashboard
from dashboards.api.serializers import (
    DashboardSerializer,
    PerformanceSerializer,
    SnapshotRequestSerializer,
    SnapshotResultSerializer,
)
from dashboards.policy import POLICY

PERIOD_PARAMETER = OpenApiParameter(
    "period", OpenApiTypes.STR, description="A month, YYYY-MM (default: the current month)."
)


class DashboardView(APIView):
    """The supervisors' dashboard figures (the same the /dashboard/ page shows)."""

    read_roles = POLICY.roles("view_figures")

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
        period = moments.parse_month(request.query_params.get("period"))
        return Response(PerformanceSerializer(performance_data(manager, period)).data)


class PerformanceSnapshotView(APIView):
    """Take the monthly performance snapshots of a finished month now (the scheduled job does
    it on its own); snapshots already taken are kept."""

    read_roles = POLICY.roles("take_snapshot")
    write_roles = POLICY.roles("take_snapshot")

    @extend_schema(request=SnapshotRequestSerializer, responses={200: SnapshotResultSerializer})
    def post(self, request):
        serializer = SnapshotRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        period = moments.parse_month(serializer.validated_data["period"])
        created = performance.snapshot_performance(period, acting_user=request.user)
        return Response({"period": period_label(period), "created": created})
