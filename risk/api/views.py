"""API of the arrears-risk scan: start and follow scans, read a customer's assessments, override
a customer's level. Views parse, call one service in risk.services and present."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.response import Response

from customers.models import Customer
from risk import overrides as risk_overrides
from risk import services as risk
from risk.api.serializers import (
    RiskAssessmentSerializer,
    RiskOverrideInputSerializer,
    RiskOverrideSerializer,
    RiskScanSerializer,
)
from risk.models import RiskOverride, RiskScan, RiskScanTrigger
from risk.policy import POLICY
from risk.selectors import customer_history


class RiskScanViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Scans of every active customer. POST starts one (202); while one is queued or running
    another is refused with 409, whose body names the scan under way."""

    serializer_class = RiskScanSerializer
    queryset = RiskScan.objects.all()
    read_roles = POLICY.roles("view_scans")
    write_roles = POLICY.roles("start_scan")
    filterset_fields = ["status", "trigger"]
    ordering_fields = ["created_at", "finished_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        queryset = super().get_queryset()
        # The rescorings after money changes (a few customers each, many a day) are listed
        # only when asked for with ?trigger=change; each stays readable by its id.
        if self.action == "list" and self.request.query_params.get("trigger") != "change":
            queryset = queryset.full()
        return queryset

    @extend_schema(
        request=None,
        responses={
            202: RiskScanSerializer,
            409: OpenApiResponse(description="A scan is already queued or running."),
        },
    )
    def create(self, request, *args, **kwargs):
        try:
            scan = risk.request_risk_scan(acting_user=request.user, trigger=RiskScanTrigger.API)
        except risk.ScanBusy as busy:
            running = busy.scan
            return Response(
                {
                    "detail": str(busy.message),
                    "code": busy.code,
                    "scan": {"id": running.pk, "status": running.status} if running else None,
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self.get_serializer(scan).data, status=status.HTTP_202_ACCEPTED)


def _visible_customer(request, pk: int) -> Customer:
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)


class CustomerRiskView(generics.ListAPIView):
    """The customer's assessments of finished scans, newest first."""

    serializer_class = RiskAssessmentSerializer
    filter_backends: list = []

    def get_queryset(self):
        return customer_history(_visible_customer(self.request, self.kwargs["pk"]))


class CustomerRiskOverrideView(generics.ListCreateAPIView):
    """GET: the customer's overrides, newest first (ended ones included).
    POST: override the customer's level until `expires_at`."""

    serializer_class = RiskOverrideSerializer
    filter_backends: list = []
    write_roles = POLICY.roles("override")

    def get_queryset(self):
        customer = _visible_customer(self.request, self.kwargs["pk"])
        return RiskOverride.objects.filter(customer=customer).order_by("-created_at", "-pk")

    @extend_schema(request=RiskOverrideInputSerializer, responses={201: RiskOverrideSerializer})
    def create(self, request, *args, **kwargs):
        customer = _visible_customer(request, self.kwargs["pk"])
        serializer = RiskOverrideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        override = risk_overrides.set_risk_override(
            customer,
            level=data["level"],
            reason=data["reason"],
            expires_at=data.get("expires_at"),
            acting_user=request.user,
        )
        return Response(RiskOverrideSerializer(override).data, status=status.HTTP_201_CREATED)
