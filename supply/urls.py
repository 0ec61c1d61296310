"""Pages of supply quality, under /supply/ (namespace `supply`)."""

from django.urls import path

from supply import views

app_name = "supply"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("late-restorations/", views.late_restorations, name="late_restorations"),
    path("feeders/<int:pk>/", views.feeder_page, name="feeder"),
    path("upload/<slug:kind>/", views.upload, name="upload"),
    path("customer/<int:pk>/", views.customer_tab, name="customer_tab"),
    path("customer/<int:pk>/export.<slug:fmt>", views.customer_export, name="customer_export"),
    path("complaint/<int:pk>/", views.complaint_panel, name="complaint_panel"),
    path("complaint/<int:pk>/link/", views.complaint_link, name="complaint_link"),
    path(
        "complaint/<int:pk>/unlink/<int:link_pk>/",
        views.complaint_unlink,
        name="complaint_unlink",
    ),
    path("dashboard-panel/", views.dashboard_panel, name="dashboard_panel"),
]
