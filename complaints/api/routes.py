"""This app's API routes: (prefix, viewset, basename) for the router, and extra paths."""

from complaints.api.views import ComplaintViewSet

ROUTES: list = [("complaints", ComplaintViewSet, "complaint")]
EXTRA_URLS: list = []
