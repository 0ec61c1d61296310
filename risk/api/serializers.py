"""Serializers of the arrears-risk API (see ../shared/API.md, Billing)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.fields import BlankChoicesAsNullMixin, DateTimeField
from customers.models import RiskLevel
from risk.models import LEVEL_ORDER, RiskAssessment, RiskOverride, RiskScan


class RiskScanSerializer(serializers.ModelSerializer):
    levels = serializers.SerializerMethodField()

    class Meta:
        model = RiskScan
        fields = [
            "id",
            "status",
            "trigger",
            "created_at",
            "started_at",
            "finished_at",
            "as_of",
            "customers_total",
            "customers_scanned",
            "levels",
            "risers",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {level: {"type": "integer"} for level in LEVEL_ORDER},
            "description": "Customers by the level they show (zero until the scan is done).",
        }
    )
    def get_levels(self, scan: RiskScan) -> dict:
        return {level: int((scan.levels or {}).get(level, 0)) for level in LEVEL_ORDER}


class ReasonSerializer(serializers.Serializer):
    factor = serializers.CharField()
    value = serializers.JSONField(help_text=_("A number, or the importance class."))
    points = serializers.IntegerField()


class RiskAssessmentSerializer(serializers.ModelSerializer):
    reasons = ReasonSerializer(many=True, read_only=True)

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "scan",
            "scanned_at",
            "score",
            "level",
            "override_level",
            "previous_level",
            "reasons",
        ]
        read_only_fields = fields


class RiskOverrideSerializer(BlankChoicesAsNullMixin, serializers.ModelSerializer):
    class Meta:
        model = RiskOverride
        fields = [
            "id",
            "customer",
            "level",
            "reason",
            "expires_at",
            "set_by",
            "created_at",
            "ended_at",
            "end_reason",
        ]
        read_only_fields = fields


class RiskOverrideInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=RiskLevel.choices)
    reason = serializers.CharField(max_length=1000)
    expires_at = DateTimeField(
        required=False,
        allow_null=True,
        help_text=_("When the override ends; at most RISK_OVERRIDE_MAX_DAYS ahead."),
    )
