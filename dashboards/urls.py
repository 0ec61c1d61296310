"""Supervisors' dashboard and managers' performance pages, under /dashboard/."""

from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/<slug:table>.<str:fmt>", views.export, name="export"),
    path("refresh/", views.refresh, name="refresh"),
    path("managers/", views.league, name="league"),
    path("managers/snapshot/", views.snapshot, name="snapshot"),
    path("managers/<int:pk>/", views.manager_performance, name="manager"),
]
