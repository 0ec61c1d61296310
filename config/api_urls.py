"""The one API router. Each app lists its viewsets in `<app>/api/routes.py` as ROUTES."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from accounts_manager.api import routes as accounts_manager_routes
from billing.api import routes as billing_routes
from common.api.calendar import CalendarView
from common.api.views import api_not_found
from complaints.api import routes as complaints_routes
from connections.api import routes as connections_routes
from customers.api import routes as customers_routes
from dashboards.api import routes as dashboards_routes
from grid.api import routes as grid_routes
from outages.api import routes as outages_routes
from risk.api import routes as risk_routes
from supply.api import routes as supply_routes
from visits.api import routes as visits_routes

# In layer order; the extra paths come before the router's, so a more specific extra path
# (`managers/<id>/performance/`) wins over a viewset's.
APP_ROUTES = (
    grid_routes,
    customers_routes,
    accounts_manager_routes,
    visits_routes,
    outages_routes,
    complaints_routes,
    billing_routes,
    risk_routes,
    supply_routes,
    connections_routes,
    dashboards_routes,
)

router = DefaultRouter()
for module in APP_ROUTES:
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    *(url for module in APP_ROUTES for url in module.EXTRA_URLS),
    path("calendar/", CalendarView.as_view(), name="api-calendar"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ is a JSON 404, not the HTML page of the site.
    # ([\s\S]: a path may hold a newline, which `.` does not match; an inline (?s) flag
    # would break reverse().)
    re_path(r"^[\s\S]*$", api_not_found),
]
