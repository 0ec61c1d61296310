from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("Official calendar")

    def ready(self) -> None:
        from django.db import models
        from rest_framework import serializers

        from common.api.fields import DateTimeField
        from common.official_calendar import connect_signals

        connect_signals()
        # Every model timestamp in every ModelSerializer is written as RFC 3339.
        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = DateTimeField
