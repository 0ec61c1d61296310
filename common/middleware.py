"""Request guards that apply to pages and API alike."""

from django.http import JsonResponse
from django.utils.translation import gettext as _


class RejectNulMiddleware:
    """Answer 400 to a request whose path, query string or cookies hold a NUL character.

    PostgreSQL text cannot hold NUL, so such a value would fail inside a query (a 500) rather
    than as bad input. No legitimate client sends one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path
            or any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.GET.lists()
            )
            or any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items())
        ):
            return JsonResponse(
                {"detail": _("The request may not contain NUL characters.")}, status=400
            )
        return self.get_response(request)
