"""This app's API routes: (prefix, viewset, basename) for the router, and extra paths."""

from visits.api.views import VisitPlanViewSet, VisitViewSet

ROUTES: list = [
    ("visits", VisitViewSet, "visit"),
    ("visit-plans", VisitPlanViewSet, "visit-plan"),
]
EXTRA_URLS: list = []
