"""API routes of the dashboard and performance: (prefix, viewset, basename), extra paths.

The extra paths are matched before the router, so `managers/<id>/performance/` is answered
here and not by the managers' viewset.
"""

from django.urls import path

from dashboards.api.views import (
    DashboardView,
    ManagerPerformanceView,
    PerformanceSnapshotView,
)

ROUTES: list = []
EXTRA_URLS: list = [
    path("dashboard/", DashboardView.as_view(), name="api-dashboard"),
    path(
        "managers/<int:pk>/performance/",
        ManagerPerformanceView.as_view(),
        name="api-manager-performance",
    ),
    path(
        "performance/snapshots/",
        PerformanceSnapshotView.as_view(),
        name="api-performance-snapshots",
    ),
]
