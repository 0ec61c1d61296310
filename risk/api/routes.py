"""API routes of the arrears-risk scan: (prefix, viewset, basename) and extra paths."""

from django.urls import path

from risk.api.views import CustomerRiskOverrideView, CustomerRiskView, RiskScanViewSet

ROUTES: list = [("risk-scans", RiskScanViewSet, "risk-scan")]
EXTRA_URLS: list = [
    path("customers/<int:pk>/risk/", CustomerRiskView.as_view(), name="customer-risk"),
    path(
        "customers/<int:pk>/risk-override/",
        CustomerRiskOverrideView.as_view(),
        name="customer-risk-override",
    ),
]
