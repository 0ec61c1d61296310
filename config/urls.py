from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts_manager.views import home
from common.views import health, metrics, ready

# Models that moved app keep their admin pages under the new app's address; the old one
# redirects (docs/architecture.md, "Moving models between apps").
MOVED_ADMIN_MODELS = {
    ("customers", "region"): "grid",
    ("outages", "substation"): "grid",
    ("outages", "feeder"): "grid",
    ("accounts_manager", "assignment"): "customers",
    ("accounts_manager", "visitplan"): "visits",
    ("accounts_manager", "visit"): "visits",
    ("accounts_manager", "satisfactionsurvey"): "visits",
    ("accounts_manager", "indicatorweight"): "dashboards",
    ("accounts_manager", "starband"): "dashboards",
    ("accounts_manager", "managermonthsnapshot"): "dashboards",
    ("accounts_manager", "summaryperiod"): "dashboards",
    ("accounts_manager", "portfoliosummary"): "dashboards",
    ("accounts_manager", "debtorsummary"): "dashboards",
    ("billing", "riskscan"): "risk",
    ("billing", "riskassessment"): "risk",
    ("billing", "riskoverride"): "risk",
}

urlpatterns = [
    *(
        re_path(
            rf"^admin/{old}/{model}/(?P<rest>.*)$",
            RedirectView.as_view(url=f"/admin/{new}/{model}/%(rest)s", query_string=True),
        )
        for (old, model), new in MOVED_ADMIN_MODELS.items()
    ),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
    path("readyz", ready, name="ready"),
    path("metrics", metrics, name="metrics"),
    # The language switch also works on the login page.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", home, name="home"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script (the CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/v1/", include("config.api_urls")),
    path("", include("accounts_manager.urls")),
    path("customers/", include("customers.urls")),
    path("billing/", include("billing.urls")),
    path("risk/", include("risk.urls")),
    path("supply/", include("supply.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("visits/", include("visits.urls")),
    path("outages/", include("outages.urls")),
    path("complaints/", include("complaints.urls")),
    path("connections/", include("connections.urls")),
    # Customers confirm outage notices without logging in (see outages.urls).
    path("n/", include("outages.public_urls")),
    # Customers follow their connection project without logging in (see connections.urls).
    path("p/", include("connections.public_urls")),
]
# Uploaded files are never served as static media: each part serves its own uploads through
# a view that checks the caller may see them (complaint attachments, import files).

# The product's error pages (JSON under /api/), whatever DEBUG says for the URL map.
handler400 = "common.views.bad_request"
handler403 = "common.views.permission_denied"
handler404 = "common.views.page_not_found"
handler500 = "common.views.server_error"
