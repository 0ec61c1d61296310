"""Form fields the apps share."""

from django import forms
from django.core.exceptions import ValidationError

from common import moments

MONTH_WIDGET = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"})


class MonthField(forms.CharField):
    """A month as YYYY-MM (empty: the current month), from 2000-01 to the current month."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("widget", MONTH_WIDGET)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return moments.parse_month(value)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["period"]) from exc
