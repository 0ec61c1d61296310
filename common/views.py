"""Pages that belong to no part."""

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from common.health import readiness
from common.metrics import exposition


@never_cache
@require_GET
@login_not_required
def health(request):
    """Liveness, for load balancers and container probes: the process answers (it reads
    nothing, so a database outage does not get healthy processes restarted)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
@login_not_required
def ready(request):
    """Readiness (`/readyz`): 200 when the process can serve — the database and the broker
    answer, a worker and the scheduler are alive, no migration is pending — else 503, with each
    check's result (common/health.py)."""
    results = readiness()
    ok = all(result.ok for result in results.values())
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {
            name: {"ok": result.ok, **({"detail": result.detail} if result.detail else {})}
            for name, result in results.items()
        },
    }
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@require_GET
@login_not_required
def metrics(request):
    """Prometheus' scrape (common/metrics.py): administrators (their session or API token) and
    the scraper with `Authorization: Bearer <METRICS_SCRAPE_TOKEN>`; 401 without credentials,
    403 for anyone else."""
    allowed = _metrics_reader(request)
    if allowed is None:
        return JsonResponse(
            {"detail": _("Authentication credentials were not provided.")}, status=401
        )
    if not allowed:
        return JsonResponse(
            {"detail": _("You do not have permission to perform this action.")}, status=403
        )
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def _metrics_reader(request) -> bool | None:
    """True for a reader of the metrics, False for someone else, None for no credentials."""
    scheme, _sep, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        expected = settings.METRICS_SCRAPE_TOKEN
        return bool(expected) and hmac.compare_digest(credential.strip(), expected)
    user = request.user
    if scheme.lower() == "token":
        try:
            found = TokenAuthentication().authenticate(request)
        except exceptions.AuthenticationFailed:
            return False
        user = found[0] if found else None
    if user is None or not user.is_authenticated:
        return None
    return bool(user.is_active and user.is_superuser)


# --- error pages -----------------------------------------------------------------------------
# The product's own pages (templates/400.html, 403.html, 404.html, 500.html), never Django's
# debug page; under /api/ the answer is JSON like every other API error.


def _is_api(request) -> bool:
    return request.path.startswith("/api/") and not request.path.startswith(
        ("/api/docs/", "/api/schema/")
    )


@requires_csrf_token
def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": _("The request is malformed.")}, status=400)
    return defaults.bad_request(request, exception)


@requires_csrf_token
def permission_denied(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": str(exceptions.PermissionDenied.default_detail)}, status=403)
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def server_error(request):
    if _is_api(request):
        return JsonResponse(
            {"detail": _("A server error occurred. It has been logged; please try again later.")},
            status=500,
        )
    # Rendered without the request's context: whatever failed may fail again in a context
    # processor (the page needs only translations and static files).
    return defaults.server_error(request)
