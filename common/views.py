"""Pages that belong to no part."""

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET
from rest_framework import exceptions


@never_cache
@require_GET
@login_not_required
def health(request):
    """For load balancers and container health checks: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


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
