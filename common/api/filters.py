"""Filters shared by the API's FilterSets."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """Filter by the id of a related row (an integer), without checking that it exists.

    django-filter's default for a foreign key checks the id against every row and answers 400
    for a missing one, which would tell a caller whether an object outside their scope exists.
    An unknown id simply matches nothing.
    """

    field_class = forms.IntegerField


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment, moved to the site's time zone before it reaches the database.

    PostgreSQL refuses offsets it cannot represent (e.g. `-19:57`); the moment itself is what
    matters, so it is converted first, and a moment that cannot be converted is bad input.
    """

    def filter(self, qs, value):
        if value is not None:
            try:
                value = timezone.localtime(value)
            except (OverflowError, ValueError) as exc:
                raise ValidationError(
                    {self.field_name: [_("This moment is out of range.")]}
                ) from exc
        return super().filter(qs, value)
