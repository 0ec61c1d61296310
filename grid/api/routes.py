"""This app's API routes: (prefix, viewset, basename) for the router, and extra paths."""

from grid.api.views import FeederViewSet, RegionViewSet, SubstationViewSet

ROUTES: list = [
    ("regions", RegionViewSet, "region"),
    ("substations", SubstationViewSet, "substation"),
    ("feeders", FeederViewSet, "feeder"),
]
EXTRA_URLS: list = []
