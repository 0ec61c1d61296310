"""This app's API routes: (prefix, viewset, basename) for the router, and extra paths."""

from outages.api.views import (
    NotificationViewSet,
    OutageViewSet,
)

ROUTES: list = [
    ("outages", OutageViewSet, "outage"),
    ("notifications", NotificationViewSet, "notification"),
]
EXTRA_URLS: list = []
