"""This app's API routes: (prefix, viewset, basename) for the router, and extra paths."""

from outages.api.views import FeederViewSet, SubstationViewSet

ROUTES: list = [
    ("substations", SubstationViewSet, "substation"),
    ("feeders", FeederViewSet, "feeder"),
]
EXTRA_URLS: list = []
