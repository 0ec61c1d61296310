"""Pages of the arrears-risk scan, under /risk/ (namespace `risk`)."""

from django.urls import path

from risk import views

app_name = "risk"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("customers/", views.customers, name="customers"),
    path("scans/", views.scan_start, name="scan_start"),
    path("scans/<int:pk>/progress/", views.scan_progress, name="scan_progress"),
    path("customer/<int:pk>/", views.customer_risk_tab, name="customer_risk_tab"),
    path("customer/<int:pk>/override/", views.customer_override, name="customer_override"),
    path(
        "customer/<int:pk>/override/end/",
        views.customer_override_end,
        name="customer_override_end",
    ),
]
