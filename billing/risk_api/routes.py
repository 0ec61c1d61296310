"""API routes of the arrears-risk scan: (prefix, viewset, basename) and extra paths."""

ROUTES: list = []
EXTRA_URLS: list = []
