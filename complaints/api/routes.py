"""This app's API routes: (prefix, viewset, basename) for the router, and extra paths."""

ROUTES: list = []
EXTRA_URLS: list = []
