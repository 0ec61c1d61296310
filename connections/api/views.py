"""The connection projects API (API.md, Connection projects): parse, call one service, return
the project. Scoped to what the caller sees (404 outside it); a refused action is 409, bad
input 400 with field messages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.api.mixins import created_or_existing
from common.api.parsers import JSONParser
from connections import paperwork, services
from connections.api.filters import ProjectFilter
from connections.api.serializers import (
    ProjectAttachmentSerializer,
    ProjectAttachmentUploadSerializer,
    ProjectCreateSerializer,
    ProjectDocumentSerializer,
    ProjectDocumentUpdateSerializer,
    ProjectEventSerializer,
    ProjectFinishSerializer,
    ProjectReasonSerializer,
    ProjectResumeSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
    ProjectWaitSerializer,
)
from connections.models import DocumentItem, Project, ProjectAttachment, ProjectEvent
from connections.policy import POLICY

ACTION_RESPONSES = {200: ProjectSerializer}


class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Connection projects (业扩报装), scoped like the customers; actions move their steps."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    search_fields = ["number", "external_ref", "applicant_name", "customer__account_no"]
    ordering_fields = ["accepted_at", "number", "status", "due_on", "created_at", "updated_at"]
    ordering = ["-accepted_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_roles = {
        "create": POLICY.roles("create"),
        "partial_update": POLICY.roles("update"),
        "finish": POLICY.roles("finish"),
        "return_step": POLICY.roles("return"),
        "wait": POLICY.roles("wait"),
        "suspend": POLICY.roles("suspend"),
        "resume": POLICY.roles("resume"),
        "cancel": POLICY.roles("cancel"),
        "archive": POLICY.roles("archive"),
    }

    def get_queryset(self):
        return Project.objects.visible_to(self.request.user).for_list()

    def _respond(self, project: Project, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=project.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _validated(self, serializer_class, project: Project | None = None, action_name=None):
        """404 for a project outside the scope, 409 for a refused action, then 400 for input."""
        if project is not None and action_name is not None:
            services.check_action(project, action_name)
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        request=ProjectCreateSerializer,
        responses={201: ProjectSerializer, 200: ProjectSerializer},
        description="Accept an application. The same `external_ref` again returns the existing "
        "project with 200.",
    )
    def create(self, request, *args, **kwargs):
        data = dict(self._validated(ProjectCreateSerializer))
        project, created = services.create_project(acting_user=request.user, **data)
        fresh = Project.objects.for_list().get(pk=project.pk)
        return created_or_existing(self.get_serializer(fresh).data, created)

    @extend_schema(request=ProjectUpdateSerializer, responses=ACTION_RESPONSES)
    def partial_update(self, request, *args, **kwargs):
        project = self.get_object()
        data = self._validated(ProjectUpdateSerializer, project, "update")
        services.update_project(project, acting_user=request.user, **data)
        return self._respond(project)

    @extend_schema(request=ProjectFinishSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def finish(self, request, pk=None):
        """Finish the current step; finishing `energization` updates (or creates) the
        customer."""
        project = self.get_object()
        data = self._validated(ProjectFinishSerializer, project, "finish")
        services.finish_step(project, acting_user=request.user, **data)
        return self._respond(project)

    @extend_schema(request=ProjectReasonSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[], url_path="return")
    def return_step(self, request, pk=None):
        """Back to the previous step, with the reason."""
        project = self.get_object()
        data = self._validated(ProjectReasonSerializer, project, "return")
        services.return_step(project, acting_user=request.user, reason=data["reason"])
        return self._respond(project)

    @extend_schema(request=ProjectWaitSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def wait(self, request, pk=None):
        """The clock stops: the utility waits for the customer."""
        project = self.get_object()
        data = self._validated(ProjectWaitSerializer, project, "wait")
        services.wait_for_customer(project, acting_user=request.user, **data)
        return self._respond(project)

    @extend_schema(request=ProjectReasonSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def suspend(self, request, pk=None):
        """Suspended at the customer's request (a wait of its own kind)."""
        project = self.get_object()
        data = self._validated(ProjectReasonSerializer, project, "suspend")
        services.suspend_project(project, acting_user=request.user, reason=data["reason"])
        return self._respond(project)

    @extend_schema(request=ProjectResumeSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def resume(self, request, pk=None):
        project = self.get_object()
        data = self._validated(ProjectResumeSerializer, project, "resume")
        services.resume_project(project, acting_user=request.user, **data)
        return self._respond(project)

    @extend_schema(request=ProjectReasonSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None):
        project = self.get_object()
        data = self._validated(ProjectReasonSerializer, project, "cancel")
        services.cancel_project(project, acting_user=request.user, reason=data["reason"])
        return self._respond(project)

    @extend_schema(request=None, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def archive(self, request, pk=None):
        """File an energized or cancelled project with its documents (归档)."""
        project = self.get_object()
        services.archive_project(project, acting_user=request.user)
        return self._respond(project)

    @extend_schema(
        methods=["GET"], responses={200: ProjectDocumentSerializer(many=True)}, filters=False
    )
    @extend_schema(
        methods=["POST"],
        request=ProjectDocumentUpdateSerializer,
        responses={200: ProjectDocumentSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def documents(self, request, pk=None):
        """The checklist told to the customer in one go (一次性告知); POST ticks one off."""
        project = self.get_object()
        if request.method == "POST":
            if not POLICY.allows(request.user, "documents"):
                self.permission_denied(request)
            data = self._validated(ProjectDocumentUpdateSerializer, project, "documents")
            paperwork.receive_document(project, acting_user=request.user, **data)
        items = DocumentItem.objects.filter(project=project).order_by("position", "pk")
        return Response(ProjectDocumentSerializer(items, many=True).data)

    @extend_schema(
        methods=["GET"], responses={200: ProjectAttachmentSerializer(many=True)}, filters=False
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": ProjectAttachmentUploadSerializer},
        responses={201: ProjectAttachmentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=None,
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def attachments(self, request, pk=None):
        """The project's files; POST uploads one (checked like every upload)."""
        project = self.get_object()
        if request.method == "POST":
            if not POLICY.allows(request.user, "attach"):
                self.permission_denied(request)
            data = self._validated(ProjectAttachmentUploadSerializer, project, "attach")
            attachment = paperwork.add_attachment(
                project,
                acting_user=request.user,
                upload=data["file"],
                document=data["document"],
                note=data["note"],
            )
            fresh = ProjectAttachment.objects.select_related("document").get(pk=attachment.pk)
            return Response(ProjectAttachmentSerializer(fresh).data, status=status.HTTP_201_CREATED)
        files = ProjectAttachment.objects.filter(project=project).select_related("document")
        return Response(ProjectAttachmentSerializer(files, many=True).data)

    @extend_schema(responses={200: ProjectEventSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def events(self, request, pk=None):
        """The project's history, oldest first: every change of status and step."""
        project = self.get_object()
        events = ProjectEvent.objects.filter(project=project)
        return Response(ProjectEventSerializer(events, many=True).data)
