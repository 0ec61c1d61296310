"""This app's API routes: (prefix, viewset, basename) for the router, and extra paths."""

from billing.api.views import (
    ArrearsViewSet,
    BillViewSet,
    CollectionActionViewSet,
    DisconnectionViewSet,
    PaymentViewSet,
    PromiseViewSet,
)

ROUTES: list = [
    ("bills", BillViewSet, "bill"),
    ("payments", PaymentViewSet, "payment"),
    ("arrears", ArrearsViewSet, "arrears"),
    ("collection-actions", CollectionActionViewSet, "collection-action"),
    ("promises", PromiseViewSet, "promise"),
    ("disconnections", DisconnectionViewSet, "disconnection"),
]
EXTRA_URLS: list = []
