from customers.api.views import ContactViewSet, CustomerViewSet, RegionViewSet

ROUTES = [
    ("regions", RegionViewSet, "region"),
    ("customers", CustomerViewSet, "customer"),
    ("contacts", ContactViewSet, "contact"),
]
EXTRA_URLS: list = []
