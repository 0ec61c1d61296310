"""The complaints API (API.md, Complaints): parse, call one service, return the ticket."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.api.mixins import created_or_existing
from common.api.pagination import SyncPagination
from common.api.parsers import JSONParser
from complaints import closure, services
from complaints.api.filters import ComplaintFilter
from complaints.api.serializers import (
    ComplaintAssignSerializer,
    ComplaintAttachmentUploadSerializer,
    ComplaintCallbackSerializer,
    ComplaintCloseSerializer,
    ComplaintCommentSerializer,
    ComplaintCreateSerializer,
    ComplaintEventSerializer,
    ComplaintNoteSerializer,
    ComplaintReopenSerializer,
    ComplaintResolveSerializer,
    ComplaintSerializer,
    ComplaintUpdateSerializer,
)
from complaints.models import Complaint, ComplaintEvent
from complaints.policy import POLICY

# 400/401/403/404/409 are added to every operation by common.api.schema.AutoSchema.
ACTION_RESPONSES = {200: ComplaintSerializer}


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Complaint tickets, scoped to what the caller sees; actions change their status."""

    # Page numbers, or keyset pages for delta sync (`?cursor=`, API.md).
    pagination_class = SyncPagination
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    search_fields = [
        "ticket_no",
        "external_ref",
        "description",
        "customer__name",
        "customer__account_no",
    ]
    ordering_fields = [
        "received_at",
        "ack_due",
        "resolve_due",
        "ticket_no",
        "severity",
        "status",
        "escalation_level",
        "created_at",
        "updated_at",
    ]
    ordering = ["-received_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_roles = {
        "create": POLICY.roles("create"),
        "partial_update": POLICY.roles("update"),
        "acknowledge": POLICY.roles("acknowledge"),
        "assign": POLICY.roles("assign"),
        "start": POLICY.roles("start"),
        "resolve": POLICY.roles("resolve"),
        "callback": POLICY.roles("callback"),
        "close": POLICY.roles("close"),
        "reopen": POLICY.roles("reopen"),
        "comment": POLICY.roles("comment"),
        "attachments": POLICY.roles("attach"),
    }

    def get_queryset(self):
        return Complaint.objects.visible_to(self.request.user).select_related("customer")

    def _respond(self, complaint: Complaint, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=complaint.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _validated(self, serializer_class, complaint: Complaint | None = None, action_name=None):
        """404 for a ticket outside the scope, 409 for a refused action, then 400 for input."""
        if complaint is not None and action_name is not None:
            services.check_action(complaint, action_name)
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        request=ComplaintCreateSerializer,
        responses={201: ComplaintSerializer, 200: ComplaintSerializer},
        description="Register a complaint. The same `external_ref` again returns the existing "
        "ticket with 200.",
    )
    def create(self, request, *args, **kwargs):
        data = self._validated(ComplaintCreateSerializer)
        complaint, created = services.register_complaint(acting_user=request.user, **data)
        fresh = self.get_queryset().get(pk=complaint.pk)
        return created_or_existing(self.get_serializer(fresh).data, created)

    @extend_schema(request=ComplaintUpdateSerializer, responses=ACTION_RESPONSES)
    def partial_update(self, request, *args, **kwargs):
        complaint = self.get_object()
        data = self._validated(ComplaintUpdateSerializer, complaint, "update")
        services.update_complaint(complaint, acting_user=request.user, **data)
        return self._respond(complaint)

    @extend_schema(request=ComplaintNoteSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def acknowledge(self, request, pk=None):
        complaint = self.get_object()
        data = self._validated(ComplaintNoteSerializer, complaint, "acknowledge")
        services.acknowledge_complaint(complaint, acting_user=request.user, note=data["note"])
        return self._respond(complaint)

    @extend_schema(request=ComplaintAssignSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def assign(self, request, pk=None):
        complaint = self.get_object()
        data = self._validated(ComplaintAssignSerializer, complaint, "assign")
        services.assign_complaint(
            complaint, assignee=data["assignee"], acting_user=request.user, note=data["note"]
        )
        return self._respond(complaint)

    @extend_schema(request=ComplaintNoteSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def start(self, request, pk=None):
        complaint = self.get_object()
        data = self._validated(ComplaintNoteSerializer, complaint, "start")
        services.start_complaint(complaint, acting_user=request.user, note=data["note"])
        return self._respond(complaint)

    @extend_schema(request=ComplaintResolveSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def resolve(self, request, pk=None):
        complaint = self.get_object()
        data = self._validated(ComplaintResolveSerializer, complaint, "resolve")
        services.resolve_complaint(complaint, acting_user=request.user, **data)
        return self._respond(complaint)

    @extend_schema(request=ComplaintCallbackSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def callback(self, request, pk=None):
        complaint = self.get_object()
        data = self._validated(ComplaintCallbackSerializer, complaint, "callback")
        closure.record_callback(complaint, acting_user=request.user, **data)
        return self._respond(complaint)

    @extend_schema(request=ComplaintCloseSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def close(self, request, pk=None):
        complaint = self.get_object()
        data = self._validated(ComplaintCloseSerializer, complaint, "close")
        closure.close_without_callback(complaint, acting_user=request.user, reason=data["reason"])
        return self._respond(complaint)

    @extend_schema(request=ComplaintReopenSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def reopen(self, request, pk=None):
        complaint = self.get_object()
        data = self._validated(ComplaintReopenSerializer, complaint, "reopen")
        closure.reopen_complaint(complaint, acting_user=request.user, reason=data["reason"])
        return self._respond(complaint)

    @extend_schema(request=ComplaintCommentSerializer, responses={201: ComplaintEventSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def comment(self, request, pk=None):
        complaint = self.get_object()
        data = self._validated(ComplaintCommentSerializer)
        event = services.add_comment(complaint, acting_user=request.user, text=data["text"])
        return Response(
            ComplaintEventSerializer(event, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request={"multipart/form-data": ComplaintAttachmentUploadSerializer},
        responses={201: ComplaintEventSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def attachments(self, request, pk=None):
        complaint = self.get_object()
        data = self._validated(ComplaintAttachmentUploadSerializer)
        attachment = services.add_attachment(
            complaint, acting_user=request.user, upload=data["file"], note=data["note"]
        )
        event = ComplaintEvent.objects.select_related("actor", "attachment").get(
            pk=attachment.event_id
        )
        return Response(
            ComplaintEventSerializer(event, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={200: ComplaintEventSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def events(self, request, pk=None):
        """The ticket's timeline, oldest first: every change, comment and attachment."""
        complaint = self.get_object()
        events = ComplaintEvent.objects.filter(complaint=complaint).select_related(
            "actor", "attachment"
        )
        return Response(
            ComplaintEventSerializer(events, many=True, context=self.get_serializer_context()).data
        )
