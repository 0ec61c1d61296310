"""Small pieces shared by the viewsets."""

from rest_framework import status
from rest_framework.response import Response


class ScopedQuerysetMixin:
    """`get_queryset()` returns `base_queryset().visible_to(user)` shaped by the view."""

    def base_queryset(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def get_queryset(self):
        return self.base_queryset().visible_to(self.request.user)


def created_or_existing(serializer_data, created: bool) -> Response:
    """201 for a new object, 200 for the existing one an idempotent POST found."""
    return Response(
        serializer_data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
    )
