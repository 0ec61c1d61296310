"""Billing API: bills (and their import), payments, arrears, collection actions, promises and
disconnections. Views parse, call one service and present; every queryset is scoped."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from billing import (
    collection,
    counts,
    disconnections,
    payment_json,
    payments,
    policy,
    services,
)
from billing.api.filters import (
    ArrearsFilter,
    ArrearsOrdering,
    BillFilter,
    CollectionActionFilter,
    DisconnectionFilter,
    PaymentFilter,
    PromiseFilter,
)
from billing.api.serializers import (
    ApproveSerializer,
    ArrearsRowSerializer,
    BillInputSerializer,
    BillSerializer,
    CollectionActionSerializer,
    DeliverySerializer,
    DisconnectionSerializer,
    ImportResultSerializer,
    NoteSerializer,
    PaymentSerializer,
    PromiseSerializer,
    ReasonSerializer,
    attach_allocation_rows,
)
from billing.imports import IMPORT_ROW_MAX_BYTES, MAX_ROWS, parse_period
from billing.models import (
    Bill,
    CollectionAction,
    CustomerBalance,
    Disconnection,
    DisconnectionEvent,
    Payment,
    PaymentAllocation,
    PaymentPromise,
)
from billing.selectors import (
    ARREARS_ORDERINGS,
    arrears_queryset,
    arrears_rows,
    bill_late_fees,
)
from common.api.mixins import created_or_existing
from common.api.pagination import SyncPagination
from common.api.search import SearchFilter
from common.middleware import body_limit
from customers.models import Customer

BILL_PUSHERS = policy.POLICY.roles("push_bills")
# What PaymentSerializer reads, and nothing else: a sync reads millions of payments.
PAYMENT_COLUMNS = (
    "id",
    "customer_id",
    "customer__account_no",
    "amount",
    "paid_at",
    "channel",
    "reference",
    "note",
    "reversed_at",
    "reversal_reason",
    "created_at",
    "updated_at",
)
ALLOCATION_ROWS = PaymentAllocation.objects.select_related("bill").only(
    "id", "payment_id", "bill_id", "amount", "bill__period"
)
PAYMENT_WRITERS = policy.POLICY.roles("record_payment")
PAYMENT_REVERSERS = policy.POLICY.roles("reverse_payment")
COLLECTORS = policy.COLLECTORS


class BillViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Bills pushed by the billing system; POST upserts one bill by account number and period."""

    # Page numbers, or keyset pages for delta sync (`?cursor=`, API.md).
    pagination_class = SyncPagination
    serializer_class = BillSerializer
    filterset_class = BillFilter
    search_fields = ["customer__account_no", "customer__name"]
    ordering_fields = ["period", "due_date", "total", "issue_date", "outstanding_amount"]
    ordering = ["-period", "customer_id"]
    write_roles = BILL_PUSHERS

    def get_queryset(self):
        return Bill.objects.visible_to(self.request.user).with_amounts().select_related("customer")

    def known_count(self, request) -> int | None:
        return counts.list_count(Bill._meta.db_table, request)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "as_of": timezone.localdate()}

    def _present(self, bills, **kwargs):
        context = self.get_serializer_context()
        context["late_fees"] = bill_late_fees(list(bills), as_of=context["as_of"])
        return BillSerializer(bills, context=context, **kwargs).data

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self._present(page, many=True))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._present([self.get_object()], many=True)[0])

    @extend_schema(
        request=BillInputSerializer, responses={200: BillSerializer, 201: BillSerializer}
    )
    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": _("Send one bill as a JSON object.")})
        row = dict(request.data)
        if "account_no" not in row and "customer" in row:
            customer = (
                Customer.objects.visible_to(request.user)
                .filter(pk=_int_or_none(row.pop("customer")))
                .first()
            )
            row["account_no"] = customer.account_no if customer else ""
        result = services.import_bills([row], acting_user=request.user)
        if result.errors:
            messages: dict[str, list[str]] = {}
            for error in result.errors:
                messages.setdefault(error["field"] or "non_field_errors", []).append(
                    error["message"]
                )
            raise ValidationError(messages)
        bill = self.get_queryset().get(
            customer__account_no=str(row["account_no"]).strip(), period=_period_of(row)
        )
        return Response(
            self._present([bill], many=True)[0],
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=BillInputSerializer(many=True),
        responses={
            200: ImportResultSerializer,
            400: OpenApiResponse(
                response={
                    "oneOf": [
                        {"$ref": "#/components/schemas/ImportResult"},
                        {"$ref": "#/components/schemas/Error"},
                    ]
                },
                description="Rows refused (nothing written), or a request that is not a list.",
            ),
        },
        parameters=[
            OpenApiParameter(
                "partial",
                OpenApiTypes.BOOL,
                description="Write the good rows even if some are bad.",
            )
        ],
        filters=False,
    )
    @action(
        detail=False, methods=["post"], url_path="import", filter_backends=[], pagination_class=None
    )
    @body_limit(MAX_ROWS * IMPORT_ROW_MAX_BYTES)
    def import_bills(self, request):
        """Upsert a list of bills; any bad row and nothing is written unless ?partial=true."""
        rows = request.data
        problem = None
        if not isinstance(rows, list):
            problem = _("Send a JSON list of bills.")
        elif len(rows) > MAX_ROWS:
            problem = _("At most %(n)d bills per request.") % {"n": MAX_ROWS}
        if problem:
            # The same answer shape as row errors; row 0 is the request as a whole.
            return Response(
                {
                    "created": 0,
                    "updated": 0,
                    "unchanged": 0,
                    "errors": [{"row": 0, "field": "", "message": str(problem)}],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        partial = request.query_params.get("partial", "").lower() in {"1", "true", "yes"}
        result = services.import_bills(rows, partial=partial, acting_user=request.user)
        ok = result.committed or not result.errors
        return Response(
            result.as_dict(), status=status.HTTP_200_OK if ok else status.HTTP_400_BAD_REQUEST
        )


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _period_of(row):

    return parse_period(row["period"])


class PaymentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Payments; the same channel and reference again answers the existing payment (200)."""

    # Page numbers, or keyset pages for delta sync (`?cursor=`, API.md).
    pagination_class = SyncPagination
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    search_fields = ["reference", "customer__account_no", "customer__name"]
    ordering_fields = ["paid_at", "amount", "created_at"]
    ordering = ["-paid_at", "-id"]
    write_roles = PAYMENT_WRITERS
    action_roles = {"reverse": PAYMENT_REVERSERS}

    def get_queryset(self):
        payments = (
            Payment.objects.visible_to(self.request.user)
            .select_related("customer")
            .only(*PAYMENT_COLUMNS)
        )
        if self.action == "list":
            return payments  # the page's allocations: paginate_queryset
        return payments.prefetch_related(Prefetch("allocations", queryset=ALLOCATION_ROWS))

    def list(self, request, *args, **kwargs):
        # A delta sync's keyset page in JSON: PostgreSQL writes the rows (billing.payment_json).
        if (
            self.paginator.is_keyset(request)
            and request.accepted_renderer.format == "json"
            and payment_json.available()
        ):
            queryset = self.filter_queryset(self.get_queryset())
            ids = self.paginator.paginate_ids(queryset, request)
            return self.paginator.raw_response(payment_json.payments_json(ids))
        return super().list(request, *args, **kwargs)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_allocation_rows(page)
        return page

    def known_count(self, request) -> int | None:
        return counts.list_count(Payment._meta.db_table, request)

    @extend_schema(responses={201: PaymentSerializer, 200: PaymentSerializer})
    def create(self, request, *args, **kwargs):
        """Record a payment; the same channel and reference again answers it with 200."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment, created = payments.record_payment(
            data["customer"],
            amount=data["amount"],
            paid_at=data["paid_at"],
            channel=data["channel"],
            reference=data["reference"],
            note=data.get("note", ""),
            acting_user=request.user,
        )
        return created_or_existing(
            self.get_serializer(self.get_queryset().get(pk=payment.pk)).data, created
        )

    @extend_schema(request=ReasonSerializer, responses={200: PaymentSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def reverse(self, request, pk=None):
        """Reverse the payment: its allocations are undone."""
        payment = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payments.reverse_payment(
            payment, reason=serializer.validated_data["reason"], acting_user=request.user
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=payment.pk)).data)


class ArrearsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """One row per customer with overdue bills: amounts, aging, days past due, late fee."""

    serializer_class = ArrearsRowSerializer
    filterset_class = ArrearsFilter
    filter_backends = [DjangoFilterBackend, SearchFilter, ArrearsOrdering]
    search_fields = ["customer__account_no", "customer__name"]
    ordering_fields = list(ARREARS_ORDERINGS)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # The schema generator: arrears_queryset brings stale balances forward (a write).
            return CustomerBalance.objects.none()
        return arrears_queryset(self.request.user, as_of=timezone.localdate())

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "ordering",
                str,
                description="outstanding, overdue, oldest_due_date, days_past_due, account_no "
                "(prefix - for descending)",
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        # The page is a list of customer ids (an index-only scan however deep the page); the
        # rows are then completed for those 50 customers only.
        page = self.paginate_queryset(queryset.values_list("customer_id", flat=True))
        rows = arrears_rows(page or [], as_of=timezone.localdate())
        return self.get_paginated_response(ArrearsRowSerializer(rows, many=True).data)


class CollectionActionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Calls, visits, SMS, written reminders and notices; PATCH records a notice's delivery."""

    serializer_class = CollectionActionSerializer
    filterset_class = CollectionActionFilter
    search_fields = ["outcome", "customer__account_no", "customer__name"]
    ordering_fields = ["at", "delivered_at", "created_at"]
    ordering = ["-at", "-id"]
    write_roles = COLLECTORS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return CollectionAction.objects.visible_to(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = collection.record_collection_action(
            customer, acting_user=self.request.user, **data
        )

    @extend_schema(request=DeliverySerializer, responses={200: CollectionActionSerializer})
    def partial_update(self, request, *args, **kwargs):
        action_row = self.get_object()
        serializer = DeliverySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = collection.record_notice_delivery(
            action_row, acting_user=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(updated).data)


class PromiseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Payment promises; kept or broken is decided by the payments and the daily check."""

    serializer_class = PromiseSerializer
    filterset_class = PromiseFilter
    search_fields = ["customer__account_no", "customer__name", "promised_by"]
    ordering_fields = ["due_date", "amount", "created_at"]
    ordering = ["-due_date", "-id"]
    write_roles = COLLECTORS

    def get_queryset(self):
        return PaymentPromise.objects.visible_to(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = collection.record_promise(
            customer, acting_user=self.request.user, **data
        )


class DisconnectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Disconnections for arrears: request (POST), then approve, execute, cancel, reconnect."""

    serializer_class = DisconnectionSerializer
    filterset_class = DisconnectionFilter
    search_fields = ["customer__account_no", "customer__name"]
    ordering_fields = ["scheduled_for", "created_at", "reconnect_due"]
    ordering = ["-scheduled_for", "-id"]
    write_roles = COLLECTORS
    action_roles = {
        "approve": policy.POLICY.roles("approve_disconnection"),
        "execute": policy.POLICY.roles("execute_disconnection"),
        "cancel": policy.POLICY.roles("cancel_disconnection"),
        "reconnect": policy.POLICY.roles("reconnect_disconnection"),
    }

    def get_queryset(self):
        return Disconnection.objects.visible_to(self.request.user).prefetch_related(
            Prefetch("events", queryset=DisconnectionEvent.objects.order_by("at", "pk"))
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = disconnections.request_disconnection(
            data["customer"],
            scheduled_for=data["scheduled_for"],
            notice=data.get("notice"),
            reason=data.get("reason", ""),
            acting_user=self.request.user,
        )

    def _answer(self, disconnection):
        return Response(self.get_serializer(self.get_queryset().get(pk=disconnection.pk)).data)

    @extend_schema(request=ApproveSerializer, responses={200: DisconnectionSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def approve(self, request, pk=None):
        """Approve (supervisors); an important customer needs `authority_informed_at`."""
        disconnection = self.get_object()
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        disconnections.approve_disconnection(
            disconnection, acting_user=request.user, **serializer.validated_data
        )
        return self._answer(disconnection)

    @extend_schema(request=NoteSerializer, responses={200: DisconnectionSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def execute(self, request, pk=None):
        """Record the cut, re-checking the calendar, complaints, arrears and last reminder."""
        disconnection = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        disconnections.execute_disconnection(
            disconnection, acting_user=request.user, note=serializer.validated_data["note"]
        )
        return self._answer(disconnection)

    @extend_schema(request=ReasonSerializer, responses={200: DisconnectionSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None):
        disconnection = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        disconnections.cancel_disconnection(
            disconnection, acting_user=request.user, reason=serializer.validated_data["reason"]
        )
        return self._answer(disconnection)

    @extend_schema(request=NoteSerializer, responses={200: DisconnectionSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def reconnect(self, request, pk=None):
        disconnection = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        disconnections.reconnect_disconnection(
            disconnection, acting_user=request.user, note=serializer.validated_data["note"]
        )
        return self._answer(disconnection)
