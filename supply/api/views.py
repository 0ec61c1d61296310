"""Supply-quality API: interruptions and daily voltage readings (read, and import as one
object or a list, all-or-nothing), monitoring points, and a customer's indicators. Views
parse, call one service or selector and present; every queryset is scoped."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from common.middleware import body_limit
from complaints.models import Complaint
from customers.models import Customer
from supply import selectors, services
from supply.api.filters import InterruptionFilter, VoltageReadingFilter
from supply.api.serializers import (
    ComplaintLinkInputSerializer,
    ComplaintLinkSerializer,
    InterruptionInputSerializer,
    InterruptionSerializer,
    MonitoringPointSerializer,
    SupplyImportResultSerializer,
    SupplyQualitySerializer,
    VoltageReadingInputSerializer,
    VoltageReadingSerializer,
    figures_data,
)
from supply.models import Interruption, MonitoringPoint, VoltageReading
from supply.policy import POLICY

IMPORTERS = POLICY.roles("import")
READERS = POLICY.roles("view")
ROW_MAX_BYTES = 600
MAX_MONTHS = 36


def _partial(request) -> bool:
    return request.query_params.get("partial", "").lower() in {"1", "true", "yes"}


def _import_answer(result) -> Response:
    ok = result.committed or not result.errors
    return Response(
        result.as_dict(), status=status.HTTP_200_OK if ok else status.HTTP_400_BAD_REQUEST
    )


def _list_problem(rows) -> Response | None:
    """400 in the shape of the row errors (row 0: the request as a whole), or None."""
    problem = None
    if not isinstance(rows, list):
        problem = _("Send a JSON object or a list of objects.")
    elif len(rows) > settings.SUPPLY_IMPORT_MAX_ROWS:
        problem = _("At most %(n)d rows per request.") % {"n": settings.SUPPLY_IMPORT_MAX_ROWS}
    if problem is None:
        return None
    return Response(
        {
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "errors": [{"row": 0, "field": "", "message": str(problem)}],
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def _field_errors(result) -> ValidationError:
    messages: dict[str, list[str]] = {}
    for error in result.errors:
        messages.setdefault(error["field"] or "non_field_errors", []).append(error["message"])
    return ValidationError(messages)


IMPORT_RESPONSES = {
    200: SupplyImportResultSerializer,
    400: OpenApiResponse(
        response={
            "oneOf": [
                {"$ref": "#/components/schemas/SupplyImportResult"},
                {"$ref": "#/components/schemas/Error"},
            ]
        },
        description="Rows refused (nothing written unless ?partial=true), or a bad request.",
    ),
}

PARTIAL = OpenApiParameter(
    "partial", OpenApiTypes.BOOL, description="Write the good rows even if some are bad."
)


class InterruptionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Interruptions of supply. POST one object (201, or 200 when its `source_ref` is known)
    or a list (an import: `{"created", "updated", "unchanged", "errors"}`)."""

    serializer_class = InterruptionSerializer
    filterset_class = InterruptionFilter
    search_fields = ["source_ref", "cause", "feeder__code"]
    ordering_fields = ["start", "end", "updated_at"]
    ordering = ["-start", "-id"]
    read_roles = READERS
    write_roles = IMPORTERS
    action_roles = {"link_complaint": POLICY.roles("link_complaint")}

    def get_queryset(self):
        return Interruption.objects.visible_to(self.request.user).select_related("feeder")

    @extend_schema(
        # One object as documented here, or a JSON list of them (an import).
        request=InterruptionInputSerializer,
        responses={
            200: OpenApiResponse(
                response={
                    "oneOf": [
                        {"$ref": "#/components/schemas/Interruption"},
                        {"$ref": "#/components/schemas/SupplyImportResult"},
                    ]
                },
                description="One object: the known interruption. A list: the import result.",
            ),
            201: InterruptionSerializer,
            400: OpenApiResponse(
                response={
                    "oneOf": [
                        {"$ref": "#/components/schemas/SupplyImportResult"},
                        {"$ref": "#/components/schemas/Error"},
                    ]
                },
                description="One object: field messages. A list: rows refused, nothing written.",
            ),
        },
        parameters=[PARTIAL],
    )
    @body_limit(20_000 * ROW_MAX_BYTES)
    def create(self, request, *args, **kwargs):
        if isinstance(request.data, dict):
            result = services.import_interruptions([request.data], acting_user=request.user)
            if result.errors:
                raise _field_errors(result)
            interruption = self.get_queryset().get(pk=result.ids[1])
            return Response(
                self.get_serializer(interruption).data,
                status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
            )
        problem = _list_problem(request.data)
        if problem is not None:
            return problem
        result = services.import_interruptions(
            request.data, partial=_partial(request), acting_user=request.user
        )
        return _import_answer(result)

    @extend_schema(
        request=ComplaintLinkInputSerializer,
        responses={200: ComplaintLinkSerializer, 201: ComplaintLinkSerializer},
        filters=False,
    )
    @action(
        detail=True, methods=["post"], url_path="complaints", filter_backends=[],
        pagination_class=None,
    )  # fmt: skip
    def link_complaint(self, request, pk=None):
        """Link a power-quality or outage complaint of an affected customer (200 if linked)."""
        interruption = self.get_object()
        data = ComplaintLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = get_object_or_404(
            Complaint.objects.visible_to(request.user), pk=data.validated_data["complaint"]
        )
        known = interruption.complaint_links.filter(complaint=complaint).exists()
        link = services.link_complaint(
            complaint, interruption=interruption, acting_user=request.user
        )
        return Response(
            ComplaintLinkSerializer(link).data,
            status=status.HTTP_200_OK if known else status.HTTP_201_CREATED,
        )


class VoltageReadingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Daily voltage summaries per monitoring point. POST a list: upserted on point + day."""

    serializer_class = VoltageReadingSerializer
    filterset_class = VoltageReadingFilter
    search_fields: list[str] = []
    ordering_fields = ["day"]
    ordering = ["-day", "point_id"]
    read_roles = READERS
    write_roles = IMPORTERS

    def get_queryset(self):
        return VoltageReading.objects.visible_to(self.request.user).select_related("point")

    @extend_schema(
        request=VoltageReadingInputSerializer(many=True),
        responses=IMPORT_RESPONSES,
        parameters=[PARTIAL],
    )
    @body_limit(20_000 * ROW_MAX_BYTES)
    def create(self, request, *args, **kwargs):
        rows = [request.data] if isinstance(request.data, dict) else request.data
        problem = _list_problem(rows)
        if problem is not None:
            return problem
        result = services.import_readings(rows, partial=_partial(request), acting_user=request.user)
        return _import_answer(result)


class MonitoringPointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Voltage monitoring points (电压监测点) at customers."""

    serializer_class = MonitoringPointSerializer
    filterset_fields = ["customer", "voltage_class", "active"]
    search_fields = ["code", "name"]
    ordering_fields = ["code"]
    ordering = ["code"]
    read_roles = READERS
    write_roles = IMPORTERS

    def get_queryset(self):
        return MonitoringPoint.objects.visible_to(self.request.user).select_related(
            "supply_point__feeder"
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        customer = Customer.objects.visible_to(self.request.user).filter(pk=data["customer_id"])
        found = customer.first()
        if found is None:
            raise ValidationError({"customer": [_("No customer you can reach has this id.")]})
        serializer.instance = services.create_monitoring_point(
            found,
            code=data["code"],
            name=data.get("name", ""),
            voltage_class=data["voltage_class"],
            feeder_code=data.get("feeder") or None,
            active=data.get("active", True),
            acting_user=self.request.user,
        )


class CustomerSupplyQualityView(APIView):
    """The customer's indicators over the last `months` months and per month."""

    read_roles = READERS

    @extend_schema(
        parameters=[
            OpenApiParameter("months", OpenApiTypes.INT, description="1 to 36; 12 by default.")
        ],
        responses={200: SupplyQualitySerializer},
    )
    def get(self, request, pk: int):
        customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
        months = _months(request.query_params.get("months"))
        report = selectors.customer_report(customer, months=months)
        monthly = [
            {
                "month": row.key,
                **figures_data(row),
                "voltage_points_without_data": row.points_without_data,
            }
            for row in report.monthly
        ]
        return Response({"months": months, **figures_data(report.total), "monthly": monthly})


def _months(value) -> int:
    if value in (None, ""):
        return 12
    try:
        months = int(value)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationError(
            {"months": [_("Give a number of months from 1 to %(n)d.") % {"n": MAX_MONTHS}]}
        )
    return months
