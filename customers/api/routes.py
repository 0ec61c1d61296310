from customers.api.views import ContactViewSet, CustomerViewSet

ROUTES = [
    ("customers", CustomerViewSet, "customer"),
    ("contacts", ContactViewSet, "contact"),
]
EXTRA_URLS: list = []
