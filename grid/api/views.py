import django_filters
from rest_framework import mixins, viewsets

from grid import services
from grid.api.serializers import FeederSerializer, RegionSerializer, SubstationSerializer
from grid.models import Feeder, Region, Substation
from grid.policy import POLICY


class RegionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    write_roles = POLICY.roles("create_region")
    filterset_fields = ["code"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def perform_create(self, serializer):
        serializer.instance = services.create_region(
            acting_user=self.request.user, **serializer.validated_data
        )


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
    write_roles = POLICY.roles("create_substation")
    filterset_class = SubstationFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def perform_create(self, serializer):
        serializer.instance = services.create_substation(
            acting_user=self.request.user, **serializer.validated_data
        )


class FeederViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Feeder.objects.select_related("region", "substation")
    serializer_class = FeederSerializer
    write_roles = POLICY.roles("create_feeder")
    filterset_class = FeederFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def perform_create(self, serializer):
        serializer.instance = services.create_feeder(
            acting_user=self.request.user, **serializer.validated_data
        )
