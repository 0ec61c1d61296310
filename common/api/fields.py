"""API fields shared by every serializer, so that every endpoint reads and writes values the
same way (API.md "Conventions")."""

import datetime as dt
from contextvars import ContextVar
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from common.moments import PERIOD_PATTERN, parse_period, period_label
from common.money import MONEY_NOT_A_STRING, MONEY_PATTERN, money_problem


class MoneyField(serializers.DecimalField):
    """CNY as a string with two decimals ("12345.60"). Input is exactly such a string (at
    most two decimals, ASCII digits, a leading minus only with `allow_negative`): a JSON
    number, an exponent or full-width digits are refused."""

    default_error_messages = {"not_a_string": MONEY_NOT_A_STRING}

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        self.allow_negative = allow_negative
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        problem = money_problem(data, allow_negative=self.allow_negative)
        if problem:
            raise serializers.ValidationError(problem, code="invalid")
        return super().to_internal_value(data)

    def to_representation(self, value):
        # A stored amount already has its two places: DRF's rounding (a copy of the decimal
        # context per value) would give the same text, at a cost a delta sync notices.
        if (
            isinstance(value, Decimal)
            and self.coerce_to_string
            and value.is_finite()
            and value.as_tuple().exponent == -self.decimal_places
        ):
            return f"{value:f}"
        return super().to_representation(value)


extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "1234.50"}
)(MoneyField)


class PeriodField(serializers.Field):
    """A billing period, exactly `YYYY-MM`, as the first day of the month."""

    default_error_messages = {"invalid": _("Enter a billing period as YYYY-MM (e.g. 2025-03).")}

    def to_representation(self, value: dt.date) -> str:
        return period_label(value)

    def to_internal_value(self, data) -> dt.date:
        try:
            return parse_period(data)
        except ValueError:
            self.fail("invalid")


extend_schema_field({"type": "string", "pattern": PERIOD_PATTERN, "example": "2025-03"})(
    PeriodField
)


# The current time zone while a list is written (OneZoneListSerializer): looking it up is a
# thread-local read per timestamp, which a delta sync of millions of rows notices.
_LIST_ZONE: ContextVar[dt.tzinfo | None] = ContextVar("list_zone", default=None)


class OneZoneListSerializer(serializers.ListSerializer):
    """A list whose timestamps are all written in the time zone current when it starts."""

    def to_representation(self, data):
        token = _LIST_ZONE.set(timezone.get_current_timezone())
        try:
            return super().to_representation(data)
        finally:
            _LIST_ZONE.reset(token)


class DateTimeField(serializers.DateTimeField):
    """An ISO 8601 / RFC 3339 timestamp. Asia/Shanghai before 1901 is local mean time
    (+08:05:43), which RFC 3339 cannot write: such a time is answered in UTC."""

    def to_representation(self, value):
        zone = getattr(self, "timezone", None) or _LIST_ZONE.get() or self.default_timezone()
        if (
            isinstance(value, dt.datetime)
            and value.tzinfo is not None
            and zone is not None
            and getattr(self, "format", api_settings.DATETIME_FORMAT) == ISO_8601
        ):
            # DRF's own steps for an aware moment and ISO 8601 (enforce_timezone, isoformat,
            # "Z" for UTC), written out: a delta sync writes millions of them.
            try:
                local = value.astimezone(zone)
            except OverflowError:
                return super().to_representation(value)
            offset = local.utcoffset()
            if offset is not None and offset.seconds % 60:
                return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
            text = local.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().to_representation(value)


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice that the model stores as "" while there is none, answered as null: "" is not
    one of the choices, so the schema says null (for answers only)."""

    def __init__(self, **kwargs):
        kwargs.pop("allow_blank", None)
        kwargs["allow_null"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)


class BlankChoicesAsNullMixin:
    """For a read-only ModelSerializer: every model choice field that may be blank is answered
    null instead of "" (and declared nullable in the schema)."""

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if "choices" in field_kwargs and field_kwargs.get("allow_blank"):
            field_class = BlankAsNullChoiceField
        return field_class, field_kwargs
