"""One exception handler so that no input ever gets a 500 for a refused or invalid request."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError

logger = logging.getLogger(__name__)


def domain_error_response(exc: DomainError) -> Response:
    if exc.field:
        data = {exc.field: [str(exc.message)], "code": exc.code}
    else:
        data = {"detail": str(exc.message), "code": exc.code}
    return Response(data, status=exc.status_code)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
            if "__all__" in data:
                data["non_field_errors"] = data.pop("__all__")
        else:
            data = {"detail": " ".join(str(m) for m in exc.messages)}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # A race lost against a unique constraint: the request conflicts with existing data.
        logger.info("integrity error turned into 409: %s", exc)
        return Response(
            {"detail": "The request conflicts with existing data; reload and try again."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, (ValueError, OverflowError)):
        # e.g. a date or number out of range deep in a filter: bad input, not a server fault.
        logger.info("bad input turned into 400: %s", exc)
        return Response({"detail": f"Invalid input: {exc}"}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
