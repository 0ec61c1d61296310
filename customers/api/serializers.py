from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.fields import DateTimeField, MoneyField, OneZoneListSerializer
from customers.models import Contact, Customer, SupplyPoint
from customers.services import SupplyPointInput
from customers.timeline import ref_url
from customers.validators import normalize_credit_code, normalize_mobile
from grid.models import Feeder, Region


class SupplyPointSerializer(serializers.ModelSerializer):
    feeder = serializers.SlugRelatedField(slug_field="code", queryset=Feeder.objects.all())

    class Meta:
        model = SupplyPoint
        fields = ["feeder", "is_primary"]

    def validate(self, attrs):
        # The list replaces the customer's supply points, so each item is whole even in a
        # PATCH (where DRF would otherwise skip the item's missing fields).
        if "feeder" not in attrs:
            raise serializers.ValidationError(
                {"feeder": [self.fields["feeder"].error_messages["required"]]}
            )
        return attrs


class CustomerSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    credit_code = serializers.CharField(max_length=40)
    manager = serializers.SerializerMethodField()
    outstanding = serializers.SerializerMethodField()
    supply_points = SupplyPointSerializer(many=True, required=False)

    class Meta:
        list_serializer_class = OneZoneListSerializer
        model = Customer
        fields = [
            "id",
            "account_no",
            "name",
            "credit_code",
            "credit_code_override",
            "segment",
            "importance",
            "voltage_kv",
            "contract_capacity_kva",
            "typical_daily_load_kw",
            "tariff",
            "region",
            "status",
            "has_backup_generator",
            "backup_capacity_kw",
            "address",
            "manager",
            "risk_level",
            "risk_score",
            "outstanding",
            "supply_points",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["risk_level", "risk_score", "created_at", "updated_at"]

    @extend_schema_field(
        {
            "type": "integer",
            "nullable": True,
            "readOnly": True,
            "description": "User id of the account manager of the open assignment.",
        }
    )
    def get_manager(self, obj) -> int | None:
        return getattr(obj, "manager_id_open", None)

    @extend_schema_field(
        {"type": "string", "format": "decimal", "nullable": True, "pattern": r"^-?\d+\.\d{2}$"}
    )
    def get_outstanding(self, obj) -> str | None:
        value = getattr(obj, "outstanding_amount", None)
        return None if value is None else MoneyField().to_representation(value)

    def validate_credit_code(self, value: str) -> str:
        return normalize_credit_code(value)

    def validate_supply_points(self, value):
        return [
            SupplyPointInput(feeder_id=sp["feeder"].pk, is_primary=sp.get("is_primary", False))
            for sp in value
        ]


class ContactSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "role",
            "mobile",
            "email",
            "preferred_channel",
            "language",
            "receives_outage_notices",
            "receives_billing_notices",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only customers the caller sees can be chosen (a foreign id reads as missing).
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)

    def validate_mobile(self, value: str) -> str:
        return normalize_mobile(value) if value else value


class TimelineEntrySerializer(serializers.Serializer):
    at = DateTimeField(source="tl_at")
    kind = serializers.CharField(source="tl_kind")
    summary = serializers.CharField(source="tl_summary")
    ref = serializers.CharField(source="tl_ref")
    url = serializers.SerializerMethodField()

    def get_url(self, entry) -> str | None:
        """The page of the object the entry refers to, when it has one."""
        return ref_url(entry["tl_ref"])
