"""Billing API serializers: they parse and present; the services decide."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import (
    ActionKind,
    Bill,
    CollectionAction,
    DeliveryMethod,
    Disconnection,
    DisconnectionEvent,
    Payment,
    PaymentAllocation,
    PaymentChannel,
    PaymentPromise,
    TariffCategory,
)
from billing.selectors import AGING_BUCKETS
from common.api.fields import (
    BlankChoicesAsNullMixin,
    DateTimeField,
    MoneyField,
    OneZoneListSerializer,
    PeriodField,
)
from customers.models import Customer

if TYPE_CHECKING:
    from accounts_manager.models import User


class VisibleCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer the caller sees; any other id reads as missing."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Customer.objects.none()
        return Customer.objects.visible_to(request.user)


def days_past_due(due_date: dt.date, outstanding, as_of: dt.date) -> int:
    if not outstanding or outstanding <= 0 or as_of <= due_date:
        return 0
    return (as_of - due_date).days


class BillSerializer(serializers.ModelSerializer):
    """A bill with its paid and outstanding amounts, status, days past due and late fee.

    The view annotates the amounts and puts the page's late fees in the context.
    """

    account_no = serializers.CharField(source="customer.account_no", read_only=True)
    period = PeriodField()
    paid = MoneyField(source="paid_amount", read_only=True)
    outstanding = MoneyField(source="outstanding_amount", read_only=True)
    status = serializers.CharField(source="bill_status", read_only=True)
    days_past_due = serializers.SerializerMethodField()
    late_fee = serializers.SerializerMethodField()
    basic_charge = MoneyField()
    energy_charge = MoneyField()
    power_factor_adjustment = MoneyField()
    other_charges = MoneyField()
    total = MoneyField()

    class Meta:
        list_serializer_class = OneZoneListSerializer
        model = Bill
        fields = [
            "id",
            "customer",
            "account_no",
            "period",
            "tariff_category",
            "issue_date",
            "due_date",
            "energy_kwh",
            "peak_kwh",
            "flat_kwh",
            "valley_kwh",
            "basic_charge",
            "energy_charge",
            "power_factor_adjustment",
            "other_charges",
            "total",
            "paid",
            "outstanding",
            "status",
            "days_past_due",
            "late_fee",
            "settled_on",
            "written_off_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _as_of(self) -> dt.date:
        return self.context.get("as_of") or timezone.localdate()

    @extend_schema_field(OpenApiTypes.INT)
    def get_days_past_due(self, bill) -> int:
        return days_past_due(bill.due_date, getattr(bill, "outstanding_amount", 0), self._as_of())

    @extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^\d+\.\d{2}$"})
    def get_late_fee(self, bill) -> str:
        fee = self.context.get("late_fees", {}).get(bill.pk)
        return MoneyField().to_representation(fee if fee is not None else Decimal(0))


class BillInputSerializer(serializers.Serializer):
    """One bill as the billing system sends it (also one row of `bills/import/`)."""

    account_no = serializers.CharField(max_length=32, required=False)
    customer = serializers.IntegerField(
        required=False, help_text="The customer's id, instead of account_no."
    )
    period = PeriodField()
    tariff_category = serializers.ChoiceField(choices=TariffCategory.choices, required=False)
    issue_date = serializers.DateField()
    due_date = serializers.DateField()
    energy_kwh = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    peak_kwh = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    flat_kwh = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    valley_kwh = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    basic_charge = MoneyField(required=False)
    energy_charge = MoneyField()
    power_factor_adjustment = MoneyField(required=False, allow_negative=True)
    other_charges = MoneyField(required=False)
    total = MoneyField(required=False)


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    # A field named like Serializer.errors (the API's documented key), which DRF allows.
    errors = ImportErrorSerializer(many=True)  # type: ignore[assignment]


class AllocationSerializer(serializers.ModelSerializer):
    period = PeriodField(source="bill.period", read_only=True)
    amount = MoneyField(read_only=True)

    class Meta:
        model = PaymentAllocation
        fields = ["bill", "period", "amount"]
        read_only_fields = fields


def allocation_rows(payment) -> list[tuple[int, dt.date, Decimal]]:
    """(bill id, period, amount) of the payment's allocations: as the list attached them
    (`attach_allocation_rows`, one query for a page), or from its allocations."""
    rows = getattr(payment, "allocation_rows", None)
    if rows is None:
        rows = [(a.bill_id, a.bill.period, a.amount) for a in payment.allocations.all()]
    return rows


def attach_allocation_rows(payments: Sequence) -> None:
    """One query for the allocations of a page of payments, without a queryset per payment
    (Django's prefetch costs more than the rows themselves at a sync's page size)."""
    found: dict[int, list[tuple[int, dt.date, Decimal]]] = {p.pk: [] for p in payments}
    for payment_id, bill_id, period, amount in (
        PaymentAllocation.objects.filter(payment_id__in=list(found))
        .order_by("id")
        .values_list("payment_id", "bill_id", "bill__period", "amount")
    ):
        found[payment_id].append((bill_id, period, amount))
    for payment in payments:
        payment.allocation_rows = found[payment.pk]


# The fields' own conversions, used directly by PaymentSerializer.to_representation.
_MONEY = MoneyField()
_MOMENT = DateTimeField()
_PERIOD = PeriodField()


class PaymentSerializer(serializers.ModelSerializer):
    customer = VisibleCustomerField(required=False)
    account_no = serializers.CharField(
        max_length=32,
        required=False,
        write_only=True,
        help_text="The customer's account number, instead of customer (also in answers).",
    )
    amount = MoneyField(min_value=Decimal("0.01"))
    paid_at = DateTimeField(required=False)
    channel = serializers.ChoiceField(choices=PaymentChannel.choices)
    reference = serializers.CharField(max_length=100)
    allocations = AllocationSerializer(many=True, read_only=True)
    reversed = serializers.SerializerMethodField()

    class Meta:
        list_serializer_class = OneZoneListSerializer
        model = Payment
        fields = [
            "id",
            "customer",
            "account_no",
            "amount",
            "paid_at",
            "channel",
            "reference",
            "note",
            "allocations",
            "reversed",
            "reversed_at",
            "reversal_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["reversed_at", "reversal_reason", "created_at", "updated_at"]
        # The same channel and reference is an idempotent repeat, decided by the service.
        validators: list = []

    def to_representation(self, instance):
        """The declared fields' answer, written out: an integration client syncs millions of
        payments, and the generic field loop costs more than the rows' SQL. The declared
        fields stay the schema and the input; tests/billing/test_api.py checks that both
        give the same answer."""
        money, moment = _MONEY.to_representation, _MOMENT.to_representation
        return {
            "id": instance.pk,
            "customer": instance.customer_id,
            "account_no": instance.customer.account_no,
            "amount": money(instance.amount),
            "paid_at": moment(instance.paid_at),
            "channel": instance.channel,
            "reference": instance.reference,
            "note": instance.note,
            "allocations": [
                {
                    "bill": bill_id,
                    "period": _PERIOD.to_representation(period),
                    "amount": money(amount),
                }
                for bill_id, period, amount in allocation_rows(instance)
            ],
            "reversed": instance.reversed_at is not None,
            "reversed_at": moment(instance.reversed_at) if instance.reversed_at else None,
            "reversal_reason": instance.reversal_reason,
            "created_at": moment(instance.created_at),
            "updated_at": moment(instance.updated_at),
        }

    def declared_representation(self, instance):
        """What the declared fields give (for the test that compares)."""
        data = super().to_representation(instance)
        data["account_no"] = instance.customer.account_no
        return data

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_reversed(self, payment) -> bool:
        return payment.reversed_at is not None

    def validate(self, attrs):
        account_no = attrs.pop("account_no", None)
        if attrs.get("customer") is None:
            if not account_no:
                raise serializers.ValidationError(
                    {"customer": [_("Give the customer (id) or its account_no.")]}
                )
            customer = self.fields["customer"].get_queryset().filter(account_no=account_no).first()
            if customer is None:
                raise serializers.ValidationError(
                    {"account_no": [_("No customer with this account number.")]}
                )
            attrs["customer"] = customer
        attrs.setdefault("paid_at", timezone.now())
        return attrs


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ArrearsRowSerializer(serializers.Serializer):
    """One customer with arrears (a `billing.selectors.ArrearsRow`)."""

    customer = serializers.IntegerField(source="customer_id")
    account_no = serializers.CharField()
    customer_name = serializers.CharField()
    region = serializers.CharField(source="region_code")
    manager = serializers.IntegerField(source="manager_id", allow_null=True)
    manager_name = serializers.CharField()
    outstanding = MoneyField()
    overdue = MoneyField()
    oldest_due_date = serializers.DateField()
    days_past_due = serializers.IntegerField()
    aging = serializers.SerializerMethodField()
    late_fee = MoneyField()
    open_bills = serializers.IntegerField()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                key: {"type": "string", "format": "decimal"} for key, _first, _last in AGING_BUCKETS
            },
        }
    )
    def get_aging(self, row) -> dict:
        field = MoneyField()
        return {key: field.to_representation(value) for key, value in row.aging.items()}


class CollectionActionSerializer(serializers.ModelSerializer):
    customer = VisibleCustomerField()
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    at = DateTimeField(required=False)
    delivery_method = serializers.ChoiceField(
        choices=DeliveryMethod.choices, required=False, allow_blank=True
    )
    recorded_by: "serializers.PrimaryKeyRelatedField[User]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )

    class Meta:
        model = CollectionAction
        fields = [
            "id",
            "customer",
            "kind",
            "at",
            "outcome",
            "delivered_at",
            "delivery_method",
            "delivered_to",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]


class DeliverySerializer(serializers.Serializer):
    """PATCH of a collection action: its delivery (and outcome) only."""

    delivered_at = DateTimeField()
    delivery_method = serializers.ChoiceField(
        choices=DeliveryMethod.choices, required=False, allow_blank=True, default=""
    )
    delivered_to = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    outcome = serializers.CharField(required=False, allow_blank=True)


class PromiseSerializer(serializers.ModelSerializer):
    customer = VisibleCustomerField()
    amount = MoneyField(min_value=Decimal("0.01"))
    paid_amount = MoneyField(read_only=True, allow_null=True)

    class Meta:
        model = PaymentPromise
        fields = [
            "id",
            "customer",
            "amount",
            "due_date",
            "status",
            "promised_by",
            "note",
            "paid_amount",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = ["status", "paid_amount", "resolved_at", "created_at"]


class DisconnectionEventSerializer(BlankChoicesAsNullMixin, serializers.ModelSerializer):
    class Meta:
        model = DisconnectionEvent
        fields = ["from_status", "to_status", "at", "by", "note"]
        read_only_fields = fields


class VisibleNoticeField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return CollectionAction.objects.none()
        return CollectionAction.objects.visible_to(request.user)


class DisconnectionSerializer(serializers.ModelSerializer):
    customer = VisibleCustomerField()
    notice = VisibleNoticeField(
        required=False,
        allow_null=True,
        help_text="The delivered disconnection notice; the latest usable one when omitted.",
    )
    arrears_amount = MoneyField(read_only=True)
    reconnection_overdue = serializers.BooleanField(read_only=True)
    events = DisconnectionEventSerializer(many=True, read_only=True)

    class Meta:
        model = Disconnection
        fields = [
            "id",
            "customer",
            "scheduled_for",
            "status",
            "notice",
            "reason",
            "arrears_amount",
            "oldest_due_date",
            "requested_by",
            "approved_by",
            "approved_at",
            "authority_informed_at",
            "last_reminder",
            "executed_at",
            "cancelled_at",
            "cancel_reason",
            "arrears_cleared_at",
            "reconnect_due",
            "reconnected_at",
            "reconnection_overdue",
            "events",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "arrears_amount",
            "oldest_due_date",
            "requested_by",
            "approved_by",
            "approved_at",
            "authority_informed_at",
            "last_reminder",
            "executed_at",
            "cancelled_at",
            "cancel_reason",
            "arrears_cleared_at",
            "reconnect_due",
            "reconnected_at",
            "created_at",
        ]


class ApproveSerializer(serializers.Serializer):
    authority_informed_at = DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
