from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from common.api.pagination import SyncPagination
from customers import annotations, policy, services
from customers.api.filters import ContactFilter, CustomerFilter
from customers.api.serializers import (
    ContactSerializer,
    CustomerSerializer,
    TimelineEntrySerializer,
)
from customers.models import Contact, Customer
from customers.timeline import customer_timeline, timeline_kinds

CUSTOMER_WRITERS = policy.POLICY.roles("update_customer")


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    # Page numbers, or keyset pages for delta sync (`?cursor=`, API.md).
    pagination_class = SyncPagination
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    # `?search=` is the register's one search (CustomerQuerySet.search: name, account no.,
    # credit code, contacts' names and mobiles; common.api.search); search_fields stays for
    # the schema's description of the parameter.
    search_fields = ["name", "account_no", "credit_code"]
    ordering_fields = [
        "account_no",
        "name",
        "risk_score",
        "contract_capacity_kva",
        "voltage_kv",
        "created_at",
        "updated_at",
    ]
    ordering = ["account_no"]
    write_roles = CUSTOMER_WRITERS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        # The apps above annotate what the serializer reads (billing: `outstanding_amount`).
        return (
            annotations.annotate(Customer.objects.visible_to(self.request.user).with_manager())
            .select_related("region")
            .prefetch_related("supply_points__feeder")
        )

    def _reloaded(self, pk: int) -> Customer:
        """The saved customer as the list shows it. The caller still sees it: a supervisor
        writes only in their region and a manager's new customer is assigned to them."""
        return self.get_queryset().get(pk=pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        points = data.pop("supply_points", [])
        serializer.instance = services.create_customer(
            acting_user=self.request.user, supply_points=points, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        points = data.pop("supply_points", None)
        services.update_customer(
            serializer.instance, acting_user=self.request.user, supply_points=points, **data
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        instance = self._reloaded(serializer.instance.pk)
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(self.get_serializer(self._reloaded(instance.pk)).data)

    @extend_schema(
        responses=TimelineEntrySerializer(many=True),
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                many=True,
                description="Only entries of these kinds (change, complaint, outage, …); "
                "an unknown kind is refused with 400",
            )
        ],
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def timeline(self, request, pk=None):
        customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
        kinds = [k for k in request.query_params.getlist("kind") if k] or None
        known = {kind for kind, _label in timeline_kinds()}
        unknown = sorted(set(kinds or ()) - known)
        if unknown:
            raise ValidationError(
                {
                    "kind": [
                        _("Unknown kind %(kind)s; one of: %(known)s.")
                        % {"kind": ", ".join(unknown), "known": ", ".join(sorted(known))}
                    ]
                }
            )
        entries = customer_timeline(customer, kinds=kinds)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)


class ContactViewSet(viewsets.ModelViewSet):
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["name", "mobile", "email"]
    ordering_fields = ["name", "customer", "created_at"]
    ordering = ["customer", "id"]
    write_roles = CUSTOMER_WRITERS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Contact.objects.visible_to(self.request.user).select_related("customer")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_contact(acting_user=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = services.update_contact(
            serializer.instance, acting_user=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_contact(instance, acting_user=self.request.user)
