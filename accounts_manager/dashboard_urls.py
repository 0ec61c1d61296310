"""Supervisors' dashboard and managers' performance pages, under /dashboard/."""

app_name = "dashboard"
urlpatterns: list = []
