from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts_manager import policy, services
from accounts_manager.api.filters import (
    AssignmentFilter,
    FollowUpFilter,
    ManagerFilter,
    UserFilter,
)
from accounts_manager.api.serializers import (
    AssignmentSerializer,
    FollowUpSerializer,
    HandoverResultSerializer,
    HandoverSerializer,
    ManagerSerializer,
    MarkReadResultSerializer,
    NoticeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
)
from accounts_manager.models import FollowUp, Notice, User
from common.api.pagination import SyncPagination
from customers import portfolios
from customers.models import Assignment
from customers.policy import POLICY as CUSTOMERS
from customers.portfolios import visible_managers, with_customer_count


class TokenView(APIView):
    """Exchange a username and password for an API token. Repeated failures lock out."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema_error_codes = ("429",)

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Django's request, so that django-axes sees the attempt.
        key = services.issue_api_token(request=request._request, **serializer.validated_data)
        return Response({"token": key})


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = UserSerializer
    read_roles = policy.POLICY.roles("manage_users")
    write_roles = policy.POLICY.roles("manage_users")
    filterset_class = UserFilter
    search_fields = ["username", "name", "email", "employee_no"]
    ordering_fields = ["username", "name", "date_joined"]
    ordering = ["username"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return User.objects.select_related("region").prefetch_related("groups").order_by("username")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_user(acting_user=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = services.update_user(
            serializer.instance, acting_user=self.request.user, **serializer.validated_data
        )

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        instance = self.get_queryset().get(pk=kwargs["pk"])
        response.data = self.get_serializer(instance).data
        return response


class ManagerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ManagerSerializer
    filterset_class = ManagerFilter
    search_fields = ["username", "name", "employee_no"]
    ordering_fields = ["username", "name", "employee_no", "customer_count"]
    ordering = ["username"]
    action_roles = {"handover": CUSTOMERS.roles("handover_portfolio")}

    def get_queryset(self):
        return with_customer_count(visible_managers(self.request.user).select_related("region"))

    @extend_schema(request=HandoverSerializer, responses={200: HandoverResultSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def handover(self, request, pk=None):
        from_manager = self.get_object()
        serializer = HandoverSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        effective = serializer.validated_data.get("effective") or timezone.localdate()
        moved = portfolios.handover_portfolio(
            from_manager,
            to_manager=serializer.validated_data["to"],
            effective=effective,
            reason=serializer.validated_data.get("reason", ""),
            acting_user=request.user,
        )
        return Response(
            {"moved": moved, "to": serializer.validated_data["to"].pk, "effective": effective}
        )


class AssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    ordering_fields = ["start", "end", "customer", "manager", "created_at"]
    ordering = ["-start", "-id"]
    write_roles = CUSTOMERS.roles("assign_customer")

    def get_queryset(self):
        return Assignment.objects.visible_to(self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = portfolios.assign_customer(
            data["customer"],
            manager=data["manager"],
            start=data.get("start"),
            reason=data.get("reason", ""),
            acting_user=self.request.user,
        )


class FollowUpViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    # Page numbers, or keyset pages for delta sync (`?cursor=`, API.md).
    pagination_class = SyncPagination
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    search_fields = ["summary", "customer__name", "customer__account_no"]
    ordering_fields = ["due_at", "created_at", "status", "kind"]
    ordering = ["due_at", "id"]
    http_method_names = ["get", "patch", "head", "options"]
    write_roles = policy.POLICY.roles("work_queue")

    def get_queryset(self):
        return FollowUp.objects.visible_to(self.request.user)

    def perform_update(self, serializer):
        serializer.instance = services.update_followup(
            serializer.instance, acting_user=self.request.user, **serializer.validated_data
        )


class NoticeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own in-app notices, newest first."""

    serializer_class = NoticeSerializer
    filterset_fields: list[str] = []
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return Notice.objects.for_user(self.request.user)

    @extend_schema(request=None, responses={200: MarkReadResultSerializer})
    @action(detail=False, methods=["post"], url_path="mark-read", filter_backends=[])
    def mark_read(self, request):
        count = services.mark_notices_read(request.user)
        return Response({"marked": count})
