from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from common.api.pagination import SyncPagination
from outages import confirmations, selectors, services
from outages.api.filters import ImpactFilter, NotificationFilter, OutageFilter
from outages.api.serializers import (
    OutageApproveSerializer,
    OutageCancelSerializer,
    OutageConfirmCallSerializer,
    OutageCoverageSerializer,
    OutageDeliveryReportResultSerializer,
    OutageDeliveryReportSerializer,
    OutageEventSerializer,
    OutageImpactSerializer,
    OutageNotificationSerializer,
    OutageRescheduleSerializer,
    OutageSerializer,
)
from outages.models import Notification, PlannedOutage
from outages.policy import POLICY

# --- planned outages ------------------------------------------------------------------------


class OutageViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = OutageSerializer
    filterset_class = OutageFilter
    search_fields = ["reference", "reason", "area"]
    ordering_fields = ["start", "end", "reference", "status", "created_at"]
    ordering = ["-start", "-id"]
    write_roles = POLICY.roles("create")
    action_roles = {
        "approve": POLICY.roles("approve"),
        "confirm_call": POLICY.roles("confirm_call"),
    }
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return PlannedOutage.objects.visible_to(self.request.user).prefetch_related("feeders")

    def _fresh(self, outage, status_code=status.HTTP_200_OK) -> Response:
        outage = self.get_queryset().get(pk=outage.pk)
        return Response(self.get_serializer(outage).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outage = services.create_outage(acting_user=request.user, **serializer.validated_data)
        return self._fresh(outage, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        outage = self.get_object()
        serializer = self.get_serializer(outage, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        outage = services.update_outage(
            outage, acting_user=request.user, **serializer.validated_data
        )
        return self._fresh(outage)

    def _act(self, request, fn, payload_serializer=None, status_code=status.HTTP_200_OK, **extra):
        outage = self.get_object()
        data = {}
        if payload_serializer is not None:
            payload = payload_serializer(data=request.data, context={"request": request})
            payload.is_valid(raise_exception=True)
            data = payload.validated_data
        outage = fn(outage, acting_user=request.user, **data, **extra)
        return self._fresh(outage, status_code)

    @extend_schema(request=None, responses=OutageSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        return self._act(request, services.submit_outage)

    @extend_schema(request=OutageApproveSerializer, responses=OutageSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def approve(self, request, pk=None):
        return self._act(request, services.approve_outage, OutageApproveSerializer)

    @extend_schema(request=None, responses={202: OutageSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def notify(self, request, pk=None):
        """Start the notice batch in the background (202); running it again adds nothing."""
        return self._act(request, services.notify_outage, status_code=status.HTTP_202_ACCEPTED)

    @extend_schema(request=OutageRescheduleSerializer, responses=OutageSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def reschedule(self, request, pk=None):
        return self._act(request, services.reschedule_outage, OutageRescheduleSerializer)

    @extend_schema(request=OutageCancelSerializer, responses=OutageSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None):
        return self._act(request, services.cancel_outage, OutageCancelSerializer)

    @extend_schema(request=None, responses=OutageSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def start(self, request, pk=None):
        return self._act(request, services.start_outage)

    @extend_schema(request=None, responses=OutageSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def complete(self, request, pk=None):
        return self._act(request, services.complete_outage)

    @extend_schema(request=OutageConfirmCallSerializer, responses=OutageImpactSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-call", filter_backends=[])
    def confirm_call(self, request, pk=None):
        """Record the manager's call in which an affected customer confirmed the outage."""
        outage = self.get_object()
        payload = OutageConfirmCallSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        confirmations.record_confirmed_call(
            outage, acting_user=request.user, **payload.validated_data
        )
        impact = selectors.impacts_with_state(outage, request.user).get(
            customer=payload.validated_data["customer"]
        )
        return Response(OutageImpactSerializer(impact).data)

    @extend_schema(
        responses=OutageImpactSerializer(many=True),
        filters=False,
        parameters=[
            OpenApiParameter("impact", str, enum=["full", "partial"]),
            *(
                OpenApiParameter(name, bool)
                for name in ("important", "reachable", "notified", "confirmed")
            ),
            OpenApiParameter("customer", int),
        ],
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def impacts(self, request, pk=None):
        """The affected customers the caller sees, with how far their notices got."""
        outage = self.get_object()
        qs = selectors.impacts_with_state(outage, request.user).order_by("customer_id")
        filterset = ImpactFilter(request.query_params, queryset=qs, request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        qs = filterset.qs
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(OutageImpactSerializer(page, many=True).data)

    @extend_schema(responses=OutageCoverageSerializer, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def coverage(self, request, pk=None):
        outage = self.get_object()
        return Response(OutageCoverageSerializer(selectors.coverage(outage, request.user)).data)

    @extend_schema(responses=OutageEventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request, pk=None):
        """The outage's history: who did what, when, newest first."""
        outage = self.get_object()
        page = self.paginate_queryset(outage.events.select_related("actor"))
        return self.get_paginated_response(OutageEventSerializer(page, many=True).data)


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Outage notices of the customers the caller sees."""

    # Page numbers, or keyset pages for delta sync (`?cursor=`, API.md).
    pagination_class = SyncPagination
    serializer_class = OutageNotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "sent_at", "status", "id"]
    ordering = ["-id"]

    action_roles = {"delivery_report": POLICY.roles("report_delivery")}

    def get_queryset(self):
        return Notification.objects.visible_to(self.request.user)

    @extend_schema(
        request=OutageDeliveryReportSerializer(many=True),
        responses=OutageDeliveryReportResultSerializer,
    )
    @action(detail=False, methods=["post"], url_path="delivery-report", filter_backends=[])
    def delivery_report(self, request):
        """Delivery reports (DLR) of the SMS gateway: a list of
        `{"provider_ref", "status": "delivered" | "failed", "error"?, "at"?}`."""
        payload = request.data if isinstance(request.data, list) else [request.data]
        serializer = OutageDeliveryReportSerializer(data=payload, many=True)
        serializer.is_valid(raise_exception=True)
        result = confirmations.record_delivery_reports(
            [
                confirmations.DeliveryReport(
                    provider_ref=r["provider_ref"],
                    delivered=r["status"] == "delivered",
                    error=r.get("error", ""),
                    at=r.get("at"),
                )
                for r in serializer.validated_data
            ]
        )
        return Response(result)
