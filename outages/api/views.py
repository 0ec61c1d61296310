import django_filters
from rest_framework import mixins, viewsets

from common.api.permissions import ADMIN_ONLY
from common.roles import Role
from outages.api.serializers import FeederSerializer, SubstationSerializer
from outages.models import Feeder, Substation

GRID_WRITERS = ADMIN_ONLY | {Role.INTEGRATION}


class SubstationFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")

    class Meta:
        model = Substation
        fields = ["region", "code"]


class FeederFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    substation = django_filters.CharFilter(field_name="substation__code")

    class Meta:
        model = Feeder
        fields = ["region", "substation", "code"]


class SubstationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Substation.objects.select_related("region")
    serializer_class = SubstationSerializer
    write_roles = GRID_WRITERS
    filterset_class = SubstationFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]


class FeederViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Feeder.objects.select_related("region", "substation")
    serializer_class = FeederSerializer
    write_roles = GRID_WRITERS
    filterset_class = FeederFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
