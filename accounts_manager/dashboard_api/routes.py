"""API routes of dashboards, performance and visits: (prefix, viewset, basename), extra paths."""

ROUTES: list = []
EXTRA_URLS: list = []
