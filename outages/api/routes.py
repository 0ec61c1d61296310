"""This app's API routes: (prefix, viewset, basename) for the router, and extra paths."""

from outages.api.views import (
    FeederViewSet,
    NotificationViewSet,
    OutageViewSet,
    SubstationViewSet,
)

ROUTES: list = [
    ("substations", SubstationViewSet, "substation"),
    ("feeders", FeederViewSet, "feeder"),
    ("outages", OutageViewSet, "outage"),
    ("notifications", NotificationViewSet, "notification"),
]
EXTRA_URLS: list = []
