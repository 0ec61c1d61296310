from django.urls import path

from outages import views

app_name = "outages"
urlpatterns = [
    path("", views.outage_list, name="list"),
    path("calendar/", views.outage_calendar, name="calendar"),
    path("new/", views.outage_create, name="create"),
    path("<int:pk>/", views.outage_detail, name="detail"),
    path("<int:pk>/edit/", views.outage_edit, name="edit"),
    path("<int:pk>/progress/", views.outage_progress, name="progress"),
    path("<int:pk>/coverage/", views.outage_coverage, name="coverage"),
    path("<int:pk>/confirm-call/", views.confirm_call, name="confirm_call"),
    path("<int:pk>/apply-grid-changes/", views.apply_grid_changes, name="apply_grid"),
    path("<int:pk>/<str:action>/", views.outage_action, name="action"),
    path("customer/<int:pk>/", views.customer_outages_tab, name="customer_outages_tab"),
]
