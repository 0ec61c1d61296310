"""The connection projects API (API.md, Connection projects): the project as read, and the
input of each write."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts_manager.models import User
from common.api.fields import BlankChoicesAsNullMixin, DateTimeField
from connections import clock
from connections.models import (
    TEXT_MAX,
    DocumentItem,
    Kind,
    Project,
    ProjectAttachment,
    ProjectEvent,
    Scheme,
    WaitKind,
)
from connections.policy import POLICY, PROJECT_ACTIONS, available_actions
from customers.models import Customer, Segment, Tariff
from grid.models import Feeder, Region

STEP_SCHEMA = {
    "type": "object",
    "properties": {
        "step": {"type": "string"},
        "status": {"type": "string"},
        "started_at": {"type": "string", "format": "date-time", "nullable": True},
        "finished_at": {"type": "string", "format": "date-time", "nullable": True},
        "due": {"type": "string", "format": "date", "nullable": True},
        "regulator_due": {"type": "string", "format": "date", "nullable": True},
        "limit_working_days": {"type": "integer", "nullable": True},
        "regulator_working_days": {"type": "integer", "nullable": True},
        "working_days": {"type": "integer"},
        "breached": {"type": "boolean"},
        "regulator_breached": {"type": "boolean"},
        "owner": {"type": "string"},
    },
}


# One field for every timestamp of the steps (a field per value costs more than the value).
_TIMESTAMP = DateTimeField()


def _iso(value) -> str | None:
    return _TIMESTAMP.to_representation(value) if value else None


def step_rows(project: Project, today=None) -> list[dict]:
    """The steps as the API and the pages show them (from prefetched rows: no query)."""
    today = today or timezone.localdate()
    rows = []
    for step in sorted(project.steps.all(), key=lambda s: s.position):
        days = clock.step_days(project, step, today=today)
        rows.append(
            {
                "step": step.step,
                "status": step.status,
                "started_at": _iso(step.started_at),
                "finished_at": _iso(step.finished_at),
                "due": step.due_on.isoformat() if step.due_on else None,
                "regulator_due": step.regulator_due_on.isoformat()
                if step.regulator_due_on
                else None,
                "limit_working_days": step.limit_working_days,
                "regulator_working_days": step.regulator_working_days,
                "working_days": days,
                "breached": step.breached or clock.is_missed(days, step.limit_working_days),
                "regulator_breached": step.regulator_breached
                or clock.is_missed(days, step.regulator_working_days),
                "owner": step.owner,
            }
        )
    return rows


class ProjectSerializer(BlankChoicesAsNullMixin, serializers.ModelSerializer):
    """A project as the API returns it (writes go through the input serializers below)."""

    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    utility_working_days = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    progress_url = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    breached = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "number",
            "external_ref",
            "kind",
            "customer",
            "applicant_name",
            "credit_code",
            "region",
            "address",
            "voltage_kv",
            "supply_scheme",
            "requested_capacity_kva",
            "segment",
            "tariff",
            "primary_feeder",
            "backup_feeder",
            "contact_name",
            "contact_phone",
            "manager",
            "status",
            "current_step",
            "accepted_at",
            "utility_working_days",
            "limit_working_days",
            "due_on",
            "breached",
            "escalation_level",
            "waiting_since",
            "energized_at",
            "cancelled_at",
            "cancel_reason",
            "archived_at",
            "plan_confirmed_at",
            "steps",
            "progress_url",
            "created_at",
            "updated_at",
            "actions",
        ]
        read_only_fields = fields

    def _today(self):
        return self.context.setdefault("today", timezone.localdate())

    def _rows(self, obj) -> list[dict]:
        # Computed once per project for `steps` and `breached`.
        if not hasattr(obj, "_step_rows"):
            obj._step_rows = step_rows(obj, self._today())
        return obj._step_rows

    def get_utility_working_days(self, obj) -> int:
        """Working days the utility has used so far, customer waits excluded."""
        if not hasattr(obj, "_utility_days"):
            obj._utility_days = clock.project_days(obj, list(obj.steps.all()), today=self._today())
        return obj._utility_days

    def get_breached(self, obj) -> bool:
        """A step's limit or the whole commitment missed (now or before)."""
        if obj.breached:
            return True
        if any(row["breached"] for row in self._rows(obj)):
            return True
        return clock.is_missed(self.get_utility_working_days(obj), obj.limit_working_days)

    @extend_schema_field({"type": "array", "items": STEP_SCHEMA})
    def get_steps(self, obj) -> list[dict]:
        return self._rows(obj)

    def get_progress_url(self, obj) -> str:
        """The customer's link (no login)."""
        path = reverse("connections_public:progress", args=[obj.progress_token])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_actions(self, obj) -> list[str]:
        """The actions the caller may take now."""
        request = self.context.get("request")
        if request is None:
            return []
        role_actions = getattr(self, "_role_actions", None)
        if role_actions is None:
            # The role's part is the same for every row: asked once per response.
            role_actions = POLICY.actions_allowed(request.user, PROJECT_ACTIONS)
            self._role_actions = role_actions
        return sorted(available_actions(obj, request.user, role_actions))


class ProjectInputMixin(serializers.Serializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "customer" in self.fields:
            # Only customers the caller sees (a foreign id reads as missing).
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)


def _optional(field_class, **kwargs):
    kwargs.setdefault("required", False)
    return field_class(**kwargs)


class ProjectUpdateSerializer(ProjectInputMixin):
    applicant_name = _optional(serializers.CharField, max_length=200)
    credit_code = _optional(serializers.CharField, max_length=18, allow_blank=True)
    address = _optional(serializers.CharField, max_length=300, allow_blank=True)
    voltage_kv = _optional(
        serializers.DecimalField, max_digits=6, decimal_places=2, min_value=Decimal("0.22")
    )
    requested_capacity_kva = _optional(
        serializers.DecimalField, max_digits=12, decimal_places=2, min_value=Decimal("0")
    )
    segment = _optional(serializers.ChoiceField, choices=Segment.choices, allow_blank=True)
    tariff = _optional(serializers.ChoiceField, choices=Tariff.choices, allow_blank=True)
    primary_feeder = _optional(
        serializers.PrimaryKeyRelatedField, queryset=Feeder.objects.all(), allow_null=True
    )
    backup_feeder = _optional(
        serializers.PrimaryKeyRelatedField, queryset=Feeder.objects.all(), allow_null=True
    )
    contact_name = _optional(serializers.CharField, max_length=100, allow_blank=True)
    contact_phone = _optional(serializers.CharField, max_length=20, allow_blank=True)
    manager = _optional(
        serializers.PrimaryKeyRelatedField,
        queryset=User.objects.filter(is_active=True, groups__name="account_manager"),
    )

    def validate(self, attrs):
        fixed = sorted(
            name
            for name in getattr(self, "initial_data", {}) or {}
            if name not in self.fields and name in ProjectSerializer.Meta.fields
        )
        if fixed and type(self) is ProjectUpdateSerializer:
            raise serializers.ValidationError(
                {
                    name: [_("This field cannot be changed here; use the project's actions.")]
                    for name in fixed
                }
            )
        return attrs


class ProjectCreateSerializer(ProjectUpdateSerializer):
    external_ref = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    kind = serializers.ChoiceField(choices=Kind.choices)
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(), required=False, allow_null=True
    )
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False
    )
    voltage_kv = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0.22"))
    supply_scheme = serializers.ChoiceField(choices=Scheme.choices)
    requested_capacity_kva = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0")
    )
    accepted_at = DateTimeField(required=False)

    def validate(self, attrs):
        if attrs.get("customer") is None and not (attrs.get("applicant_name") or "").strip():
            raise serializers.ValidationError(
                {"applicant_name": [_("Give the applicant's name, or the customer.")]}
            )
        return attrs


class ProjectFinishSerializer(serializers.Serializer):
    at = DateTimeField(required=False, help_text=_("When the step was finished; default now."))
    notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ProjectReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX)


class ProjectWaitSerializer(ProjectReasonSerializer):
    kind = serializers.ChoiceField(choices=WaitKind.choices, default=WaitKind.OTHER)
    at = DateTimeField(required=False)


class ProjectResumeSerializer(serializers.Serializer):
    at = DateTimeField(required=False)
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ProjectDocumentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="label", read_only=True)
    received = serializers.SerializerMethodField()

    class Meta:
        model = DocumentItem
        fields = ["code", "name", "received", "received_at", "received_by", "note"]
        read_only_fields = fields

    def get_received(self, obj) -> bool:
        return obj.received_at is not None


class ProjectDocumentUpdateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=30)
    received = serializers.BooleanField(default=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ProjectAttachmentSerializer(serializers.ModelSerializer):
    document: serializers.SlugRelatedField[DocumentItem] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProjectAttachment
        fields = [
            "id",
            "document",
            "original_name",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class ProjectAttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    document = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ProjectEventSerializer(BlankChoicesAsNullMixin, serializers.ModelSerializer):
    class Meta:
        model = ProjectEvent
        fields = ["id", "at", "actor", "kind", "step", "from_status", "to_status", "message"]
        read_only_fields = fields
