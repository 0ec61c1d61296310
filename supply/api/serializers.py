"""Serializers of the supply-quality API (API.md "Supply quality")."""

from rest_framework import serializers

from supply.models import Interruption, MonitoringPoint, VoltageClass, VoltageReading


class InterruptionSerializer(serializers.ModelSerializer):
    feeder = serializers.CharField(source="feeder.code", read_only=True)
    customer = serializers.IntegerField(source="customer_id", read_only=True, allow_null=True)
    outage = serializers.IntegerField(source="outage_id", read_only=True, allow_null=True)
    minutes = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Interruption
        fields = [
            "id",
            "source",
            "source_ref",
            "feeder",
            "customer",
            "start",
            "end",
            "cause",
            "planned",
            "outage",
            "cause_cleared_at",
            "minutes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InterruptionInputSerializer(serializers.Serializer):
    """What a POST takes (one object, or a list of them). Checked by supply.services."""

    source_ref = serializers.CharField(max_length=100)
    feeder = serializers.CharField(max_length=30, help_text="Feeder code.")
    customer = serializers.IntegerField(
        required=False, allow_null=True, help_text="Null when the whole feeder was off."
    )
    account_no = serializers.CharField(
        required=False, help_text="The customer by account number, instead of `customer`."
    )
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False, allow_null=True)
    cause = serializers.CharField(required=False, allow_blank=True, max_length=300)
    planned = serializers.BooleanField(required=False, default=False)
    outage = serializers.IntegerField(required=False, allow_null=True)
    cause_cleared_at = serializers.DateTimeField(required=False, allow_null=True)


class VoltageReadingSerializer(serializers.ModelSerializer):
    point = serializers.CharField(source="point.code", read_only=True)
    customer = serializers.IntegerField(source="point.customer_id", read_only=True)

    class Meta:
        model = VoltageReading
        fields = [
            "point",
            "customer",
            "day",
            "minutes_monitored",
            "minutes_above",
            "minutes_below",
            "max_deviation_pct",
            "min_deviation_pct",
        ]
        read_only_fields = fields


class VoltageReadingInputSerializer(serializers.Serializer):
    point = serializers.CharField(max_length=40, help_text="Monitoring point code.")
    customer = serializers.IntegerField(required=False, allow_null=True)
    day = serializers.DateField()
    minutes_monitored = serializers.IntegerField(min_value=0, max_value=1440)
    minutes_above = serializers.IntegerField(min_value=0, max_value=1440)
    minutes_below = serializers.IntegerField(min_value=0, max_value=1440)
    max_deviation_pct = serializers.DecimalField(max_digits=6, decimal_places=2)
    min_deviation_pct = serializers.DecimalField(max_digits=6, decimal_places=2)


class MonitoringPointSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    feeder = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="The supply point's feeder."
    )
    voltage_class = serializers.ChoiceField(choices=VoltageClass.choices)

    class Meta:
        model = MonitoringPoint
        fields = ["id", "code", "name", "customer", "feeder", "voltage_class", "active"]
        read_only_fields = ["id"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        point = instance.supply_point
        data["feeder"] = point.feeder.code if point is not None else None
        return data


class SupplyImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class SupplyImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = SupplyImportErrorSerializer(many=True)  # type: ignore[assignment]


class QualityFiguresSerializer(serializers.Serializer):
    interruptions = serializers.IntegerField()
    minutes_off = serializers.IntegerField()
    longest_minutes = serializers.IntegerField()
    planned = serializers.IntegerField()
    fault = serializers.IntegerField()
    availability = serializers.FloatField(allow_null=True)
    voltage_pass_rate = serializers.FloatField(allow_null=True)


class MonthlyQualitySerializer(QualityFiguresSerializer):
    month = serializers.CharField()
    voltage_points_without_data = serializers.IntegerField()


class SupplyQualitySerializer(QualityFiguresSerializer):
    months = serializers.IntegerField()
    monthly = MonthlyQualitySerializer(many=True)


def figures_data(row) -> dict:
    """Figures (supply.selectors) as the API shows them: minutes rounded, ratios to 6 places."""
    return {
        "interruptions": row.interruptions,
        "minutes_off": round(row.minutes_off),
        "longest_minutes": round(row.longest_minutes),
        "planned": row.planned,
        "fault": row.fault,
        "availability": None if row.availability is None else round(row.availability, 6),
        "voltage_pass_rate": (
            None if row.voltage_pass_rate is None else round(row.voltage_pass_rate, 6)
        ),
    }


class ComplaintLinkInputSerializer(serializers.Serializer):
    complaint = serializers.IntegerField(help_text="A power-quality or outage complaint.")


class ComplaintLinkSerializer(serializers.Serializer):
    complaint = serializers.IntegerField(source="complaint_id")
    interruption = serializers.IntegerField(source="interruption_id")
    linked_at = serializers.DateTimeField()
