"""Request guards that apply to pages and API alike."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import translation
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


def body_limit(max_bytes: int):
    """Declare that a view (or a viewset action, or an APIView's handler) accepts request
    bodies of up to `max_bytes`, instead of settings.REQUEST_BODY_MAX_BYTES."""

    def decorator(fn):
        fn.max_body_bytes = max_bytes
        return fn

    return decorator


def _declared_limit(request) -> int | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    func = match.func
    limit = getattr(func, "max_body_bytes", None)
    cls = getattr(func, "cls", None)
    if cls is not None:
        actions = getattr(func, "actions", None) or {}
        handler_name = actions.get(request.method.lower(), request.method.lower())
        handler = getattr(cls, handler_name, None)
        limit = getattr(handler, "max_body_bytes", None) or limit
    return limit


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than its endpoint accepts, before anything reads it.

    Each endpoint has a limit: the one it declares with `body_limit` (the bill import takes
    MAX_ROWS bills), else REQUEST_UPLOAD_MAX_BYTES for a multipart upload and
    REQUEST_BODY_MAX_BYTES for anything else. The API answers 413 in JSON, pages a short text;
    Django's own DATA_UPLOAD_MAX_MEMORY_SIZE is set above every limit, as a backstop only.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_BODY_MAX_BYTES:
            limit = _declared_limit(request)
            if limit is None:
                multipart = request.content_type.startswith("multipart/")
                limit = (
                    settings.REQUEST_UPLOAD_MAX_BYTES
                    if multipart
                    else settings.REQUEST_BODY_MAX_BYTES
                )
            if length > limit:
                return self._too_large(request, limit)
        return self.get_response(request)

    def _too_large(self, request, limit: int):
        # Before LocaleMiddleware: answer in the request's language ourselves.
        with translation.override(translation.get_language_from_request(request)):
            message = _("The request body is larger than this endpoint accepts (%(size)s).") % {
                "size": filesizeformat(limit)
            }
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {"detail": message, "code": "request_too_large", "max_bytes": limit},
                    status=413,
                )
            # The product's page, rendered without the request (no session or user yet).
            return HttpResponse(render_to_string("413.html", {"message": message}), status=413)
