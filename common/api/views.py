"""Views of the API that belong to no part."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
@login_not_required
def api_not_found(request, *args, **kwargs):
    """No API path matched: a JSON 404 like every other API error."""
    return JsonResponse({"detail": _("Not found.")}, status=404)
