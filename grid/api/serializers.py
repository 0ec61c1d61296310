from rest_framework import serializers

from grid.models import Feeder, Region, Substation


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class SubstationSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())

    class Meta:
        model = Substation
        fields = ["id", "code", "name", "region", "voltage_kv"]


class FeederSerializer(serializers.ModelSerializer):
    substation = serializers.SlugRelatedField(slug_field="code", queryset=Substation.objects.all())
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())

    class Meta:
        model = Feeder
        fields = ["id", "code", "name", "substation", "region"]
