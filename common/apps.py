from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"

    def ready(self) -> None:
        from django.db import models
        from rest_framework import serializers

        from common.api.fields import DateTimeField

        # Every model timestamp in every ModelSerializer is written as RFC 3339.
        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = DateTimeField
