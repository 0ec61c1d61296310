from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts_manager.models import User
from common.api.fields import BlankChoicesAsNullMixin, DateTimeField, OneZoneListSerializer
from complaints.models import (
    DESCRIPTION_MAX,
    TEXT_MAX,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    InformedVia,
    Responsibility,
    Severity,
)
from complaints.policy import available_actions
from customers.models import Customer


class ComplaintSerializer(BlankChoicesAsNullMixin, serializers.ModelSerializer):
    """A ticket as the API returns it (writes go through the input serializers below)."""

    account_no = serializers.CharField(source="customer.account_no", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        list_serializer_class = OneZoneListSerializer
        model = Complaint
        fields = [
            "id",
            "ticket_no",
            "external_ref",
            "customer",
            "account_no",
            "customer_name",
            "channel",
            "category",
            "severity",
            "description",
            "assignee",
            "status",
            "received_at",
            "ack_due",
            "resolve_due",
            "deadlines_provisional",
            "breached",
            "is_repeat",
            "repeat_of",
            "escalation_level",
            "acknowledged_at",
            "started_at",
            "resolved_at",
            "root_cause",
            "responsibility",
            "justification",
            "corrective_action",
            "customer_informed_at",
            "customer_informed_via",
            "satisfaction",
            "solved",
            "failed_callbacks",
            "closed_at",
            "closed_without_callback",
            "close_reason",
            "reopen_count",
            "created_at",
            "updated_at",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_actions(self, obj) -> list[str]:
        """The actions the caller may take now."""
        request = self.context.get("request")
        if request is None:
            return []
        return sorted(available_actions(obj, request.user))


class ComplaintCreateSerializer(serializers.Serializer):
    external_ref = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none(), required=False)
    account_no = serializers.CharField(
        max_length=32, required=False, help_text=_("Instead of `customer`.")
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.NORMAL)
    description = serializers.CharField(max_length=DESCRIPTION_MAX)
    received_at = DateTimeField(required=False)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only customers the caller sees (a foreign id reads as missing).
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)

    def validate(self, attrs):
        account_no = attrs.pop("account_no", None)
        customer = attrs.get("customer")
        if customer is None and not account_no:
            raise serializers.ValidationError(
                {"customer": [_("Give the customer (id) or its account_no.")]}
            )
        if account_no:
            found = self.fields["customer"].queryset.filter(account_no=account_no.strip()).first()
            if found is None:
                raise serializers.ValidationError(
                    {"account_no": [_("No customer with this account number.")]}
                )
            if customer is not None and customer.pk != found.pk:
                raise serializers.ValidationError(
                    {"account_no": [_("This account number belongs to another customer.")]}
                )
            attrs["customer"] = found
        return attrs


class ComplaintUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=DESCRIPTION_MAX, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)

    def validate(self, attrs):
        fixed = sorted(
            name
            for name in getattr(self, "initial_data", {}) or {}
            if name not in self.fields and name in ComplaintSerializer.Meta.fields
        )
        if fixed:
            raise serializers.ValidationError(
                {
                    name: [_("This field cannot be changed here; use the ticket's actions.")]
                    for name in fixed
                }
            )
        return attrs


class ComplaintNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ComplaintAssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ComplaintResolveSerializer(serializers.Serializer):
    root_cause = serializers.CharField(max_length=TEXT_MAX)
    responsibility = serializers.ChoiceField(choices=Responsibility.choices)
    justification = serializers.CharField(max_length=TEXT_MAX)
    corrective_action = serializers.CharField(max_length=TEXT_MAX)
    customer_informed_at = DateTimeField()
    customer_informed_via = serializers.ChoiceField(choices=InformedVia.choices)


class ComplaintCallbackSerializer(serializers.Serializer):
    reached = serializers.BooleanField(
        required=False,
        default=True,
        help_text=_("false records an unanswered attempt (no satisfaction or solved)."),
    )
    satisfaction = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, default=None
    )
    solved = serializers.BooleanField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["reached"]:
            errors = {}
            if attrs.get("satisfaction") is None:
                errors["satisfaction"] = [_("This field is required.")]
            if attrs.get("solved") is None:
                errors["solved"] = [_("This field is required.")]
            if errors:
                raise serializers.ValidationError(errors)
        else:
            attrs["satisfaction"] = None
            attrs["solved"] = None
        return attrs


class ComplaintCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX)


class ComplaintReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )


class ComplaintCommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX)


class ComplaintAttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ComplaintEventSerializer(BlankChoicesAsNullMixin, serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    attachment = serializers.SerializerMethodField()

    class Meta:
        model = ComplaintEvent
        fields = [
            "id",
            "at",
            "kind",
            "actor",
            "actor_name",
            "from_status",
            "to_status",
            "message",
            "data",
            "attachment",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_actor_name(self, obj) -> str | None:
        return obj.actor.display_name if obj.actor_id else None

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "size": {"type": "integer"},
                "content_type": {"type": "string"},
                "url": {"type": "string"},
            },
        }
    )
    def get_attachment(self, obj) -> dict | None:
        attachment = getattr(obj, "attachment", None)
        if attachment is None:
            return None
        request = self.context.get("request")
        url = attachment.get_absolute_url()
        return {
            "id": attachment.pk,
            "name": attachment.original_name,
            "size": attachment.size,
            "content_type": attachment.content_type,
            "url": request.build_absolute_uri(url) if request else url,
        }
