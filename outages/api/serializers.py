from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from rest_framework import serializers

from common.api.fields import DateTimeField, OneZoneListSerializer
from customers.models import Customer
from grid.models import Feeder
from outages.models import USER_ACTIONS, Notification, OutageEvent, OutageImpact, PlannedOutage

if TYPE_CHECKING:
    from accounts_manager.models import User


# --- planned outages ------------------------------------------------------------------------


class OutageSerializer(serializers.ModelSerializer):
    feeders = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Feeder.objects.all()
    )
    approved_by: "serializers.PrimaryKeyRelatedField[User]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = PlannedOutage
        fields = [
            "id",
            "reference",
            "kind",
            "reason",
            "area",
            "feeders",
            "start",
            "end",
            "status",
            "override_reason",
            "schedule_revision",
            "approved_by",
            "approved_at",
            "started_at",
            "completed_at",
            "cancel_reason",
            "allowed_actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "reference",
            "status",
            "schedule_revision",
            "approved_at",
            "started_at",
            "completed_at",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]

    def get_allowed_actions(self, obj) -> list[str]:
        """The actions the outage's status allows now (the caller's role may still refuse)."""
        return [a for a in USER_ACTIONS if obj.can(a)]

    def validate(self, attrs):
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end": [_("The end must be after the start.")]})
        if "feeders" in attrs and not attrs["feeders"]:
            raise serializers.ValidationError({"feeders": [_("Choose at least one feeder.")]})
        return attrs


class OutageApproveSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Why the notice lead time cannot be kept (needed when it is short).",
    )


class OutageRescheduleSerializer(serializers.Serializer):
    start = DateTimeField()
    end = DateTimeField()
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300)

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end must be after the start.")]})
        return attrs


class OutageCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class OutageConfirmCallSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)


class OutageImpactSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    account_no = serializers.CharField(source="customer.account_no", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    notified = serializers.BooleanField(read_only=True)
    delivered = serializers.BooleanField(read_only=True)
    confirmed = serializers.BooleanField(read_only=True)

    class Meta:
        model = OutageImpact
        fields = [
            "customer",
            "account_no",
            "customer_name",
            "impact",
            "important",
            "has_backup_generator",
            "affected_feeders",
            "notified",
            "delivered",
            "confirmed",
            "reachable",
            "confirmed_at",
            "call_confirmed_at",
            "call_confirmed_by",
            "escalated_at",
            "created_at",
            "removed_at",
        ]


class OutageCoverageSerializer(serializers.Serializer):
    affected = serializers.IntegerField()
    notified = serializers.IntegerField()
    delivered = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    unreachable = serializers.IntegerField()
    important_unconfirmed = serializers.IntegerField()


class OutageEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = OutageEvent
        fields = ["id", "at", "actor", "action", "from_status", "to_status", "message", "data"]

    def get_actor(self, obj) -> str | None:
        return obj.actor.display_name if obj.actor else None


class OutageNotificationSerializer(serializers.ModelSerializer):
    class Meta:
        list_serializer_class = OneZoneListSerializer
        model = Notification
        # The confirmation token is the customer's, and never leaves through the API.
        fields = [
            "id",
            "outage",
            "customer",
            "contact",
            "channel",
            "address",
            "kind",
            "revision",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "updated_at",
            "next_attempt_at",
            "sent_at",
            "delivered_at",
            "confirmed_at",
            "provider_ref",
        ]


class OutageDeliveryReportSerializer(serializers.Serializer):
    provider_ref = serializers.CharField(max_length=100)
    status = serializers.ChoiceField(choices=["delivered", "failed"])
    error = serializers.CharField(required=False, allow_blank=True, max_length=500)
    at = DateTimeField(required=False)


class OutageDeliveryReportResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()
    unknown = serializers.ListField(child=serializers.CharField())
