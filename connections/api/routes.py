"""This app's API routes: (prefix, viewset, basename) for the router, and extra paths."""

from connections.api.views import ProjectViewSet

ROUTES: list = [("connection-projects", ProjectViewSet, "connection-project")]
EXTRA_URLS: list = []
