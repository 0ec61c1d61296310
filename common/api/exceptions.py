"""One exception handler so that no input ever gets a 500 for a refused or invalid request.

Every error answer rolls back the request's transaction when there is one, so a refused
request never leaves half a change behind.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from common.errors import DomainError

logger = logging.getLogger(__name__)


def domain_error_response(exc: DomainError) -> Response:
    if exc.field:
        data = {exc.field: [str(exc.message)], "code": exc.code}
    else:
        data = {"detail": str(exc.message), "code": exc.code}
    return Response(data, status=exc.status_code)


def validation_error_data(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        data = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        if "__all__" in data:
            data["non_field_errors"] = data.pop("__all__")
        return data
    return {"detail": " ".join(str(m) for m in exc.messages)}


def _handle(exc, context) -> Response | None:
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_data(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # A race lost against a unique constraint: the request conflicts with existing data.
        logger.info("integrity error turned into 409: %s", exc)
        return Response(
            {"detail": _("The request conflicts with existing data; reload and try again.")},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DataError):
        # A value the database cannot hold (out of range, too long) that validation let
        # through: bad input for the client, and a gap in validation to close.
        logger.warning("database refused a value, answered 400: %s", exc)
        return Response(
            {"detail": _("A value is out of range or too long.")},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, (ValueError, OverflowError)):
        # e.g. a date or number out of range deep in a filter: bad input, not a server fault.
        logger.info("bad input turned into 400: %s", exc)
        return Response(
            {"detail": _("Invalid input: %(error)s") % {"error": exc}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        # A service's refusal says why (in the request's language); a bare one gets DRF's text.
        exc = exceptions.PermissionDenied(str(exc.args[0]) if exc.args else None)
    return drf_exception_handler(exc, context)


def exception_handler(exc, context):
    response = _handle(exc, context)
    if response is not None:
        set_rollback()
    return response
