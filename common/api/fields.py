from rest_framework import serializers


class MoneyField(serializers.DecimalField):
    """CNY as a string with two decimals ("12345.60")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)
