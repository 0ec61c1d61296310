"""API routes of supply quality: (prefix, viewset, basename) and extra paths."""

from django.urls import path

from supply.api.views import (
    CustomerSupplyQualityView,
    InterruptionViewSet,
    MonitoringPointViewSet,
    VoltageReadingViewSet,
)

ROUTES: list = [
    ("interruptions", InterruptionViewSet, "interruption"),
    ("voltage-readings", VoltageReadingViewSet, "voltage-reading"),
    ("monitoring-points", MonitoringPointViewSet, "monitoring-point"),
]
EXTRA_URLS: list = [
    path(
        "customers/<int:pk>/supply-quality/",
        CustomerSupplyQualityView.as_view(),
        name="customer-supply-quality",
    ),
]
