"""Serializers of the dashboard and performance endpoints.

The dashboard and performance answers are built by dashboards.selectors and
dashboards.performance; the serializers here give them their documented shape.
"""

from __future__ import annotations

from rest_framework import serializers

from billing.selectors import AGING_BUCKETS
from common.api.fields import DateTimeField, MoneyField
from complaints.models import Status
from customers.models import RiskLevel


def _money(**kwargs) -> MoneyField:
    return MoneyField(read_only=True, max_digits=16, **kwargs)


def _rate(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(read_only=True, allow_null=True, help_text=help_text)


def _named(name: str, fields: dict) -> type[serializers.Serializer]:
    """A serializer whose field names are not Python identifiers (`1_30`, `from`)."""
    return type(name, (serializers.Serializer,), fields)


AgingSerializer = _named("Aging", {key: _money() for key, _first, _last in AGING_BUCKETS})


class DebtorSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    account_no = serializers.CharField()
    name = serializers.CharField()
    manager = serializers.IntegerField(allow_null=True)
    manager_name = serializers.CharField(allow_null=True)
    overdue = _money()
    oldest_due_date = serializers.DateField()
    days_past_due = serializers.IntegerField()


class ArrearsSerializer(serializers.Serializer):
    total = _money(help_text="Unpaid on bills past due at the end of the as-of day.")
    aging = AgingSerializer()
    customers = serializers.IntegerField(help_text="Customers with arrears.")
    billed = _money(help_text="Bills falling due in the month.")
    bills_due = _money(help_text="Of those, the bills due by the as-of day.")
    collected = _money(help_text="Paid of `bills_due` by the as-of day.")
    collection_rate = _rate("collected ÷ bills_due; null when nothing was due.")
    bills_due_previous = _money()
    collected_previous = _money()
    collection_rate_previous = _rate("The previous month's collection rate.")
    as_of = serializers.DateField(allow_null=True)
    refreshed_at = DateTimeField(allow_null=True)
    top_debtors = DebtorSerializer(many=True)


RiskCountsSerializer = _named(
    "RiskCounts", {level: serializers.IntegerField() for level in RiskLevel.values}
)
RiskChangeSerializer = _named(
    "RiskChange",
    {
        "from": serializers.ChoiceField(choices=RiskLevel.choices, allow_null=True),
        "to": serializers.ChoiceField(choices=RiskLevel.choices),
        "customers": serializers.IntegerField(),
    },
)


class RiskMovementSerializer(serializers.Serializer):
    scan = serializers.IntegerField(allow_null=True)
    scanned_at = DateTimeField(allow_null=True)
    up = serializers.IntegerField()
    down = serializers.IntegerField()
    new = serializers.IntegerField()
    changes = RiskChangeSerializer(many=True)


OpenByStatusSerializer = _named(
    "OpenByStatus",
    {s.value: serializers.IntegerField() for s in Status if s != Status.CLOSED},
)


class NearBreachSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_no = serializers.CharField()
    customer = serializers.IntegerField()
    customer_name = serializers.CharField()
    category = serializers.CharField()
    status = serializers.CharField()
    assignee_name = serializers.CharField(allow_null=True)
    due = DateTimeField()
    deadline = serializers.ChoiceField(choices=["contact", "resolution"])


class ComplaintFiguresSerializer(serializers.Serializer):
    open = OpenByStatusSerializer()
    open_total = serializers.IntegerField()
    received = serializers.IntegerField()
    sla_compliance = _rate("Of the month's tickets resolved or closed, share never breached.")
    repeat_rate = _rate("Share of the month's tickets that are repeats.")
    satisfaction = _rate("Average callback satisfaction (1–5) in the month.")
    callbacks = serializers.IntegerField()
    near_breach = NearBreachSerializer(many=True)
    near_breach_count = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):
    affected = serializers.IntegerField()
    notified = serializers.IntegerField()
    delivered = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    unreachable = serializers.IntegerField()
    important_unconfirmed = serializers.IntegerField()


class OutageRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()
    start = DateTimeField()
    end = DateTimeField()
    coverage = CoverageSerializer()


class OutageFiguresSerializer(serializers.Serializer):
    upcoming = OutageRowSerializer(many=True)
    important_unconfirmed = serializers.IntegerField()
    unreachable = serializers.IntegerField()


class ConnectionClassSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    supply_scheme = serializers.CharField()
    scheme_label = serializers.CharField()
    energized = serializers.IntegerField()
    average_working_days = serializers.FloatField(allow_null=True)


class ConnectionMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    energized = serializers.IntegerField()
    average_working_days = serializers.FloatField(allow_null=True)
    within_commitment = _rate("Share energized within the company's commitment.")


class ConnectionFiguresSerializer(serializers.Serializer):
    energized = serializers.IntegerField(help_text="Energized in the 12 months to the period.")
    average_working_days = serializers.FloatField(
        allow_null=True, help_text="Average utility-side working days (customer waits excluded)."
    )
    within_commitment = _rate("Share within the whole-time commitment (6/22/32 working days).")
    within_step_limits = _rate("Share with every step within the company's step limit.")
    within_regulator = _rate("Share with every step within the regulator's maximum.")
    by_class = ConnectionClassSerializer(many=True)
    open = serializers.IntegerField()
    open_breached = serializers.IntegerField()
    trend = ConnectionMonthSerializer(many=True)


class IndicatorsSerializer(serializers.Serializer):
    portfolio_customers = serializers.IntegerField()
    billed = _money()
    bills_due = _money()
    collected = _money()
    collection_rate = _rate("collected ÷ bills_due of the portfolio.")
    amount_overdue = _money()
    overdue_ratio = _rate("amount_overdue ÷ (amount_overdue + billed).")
    high_risk_customers = serializers.IntegerField()
    high_risk_share = _rate("high_risk_customers ÷ portfolio_customers.")
    complaints_resolved = serializers.IntegerField()
    complaints_resolved_in_time = serializers.IntegerField()
    complaint_sla = _rate("complaints_resolved_in_time ÷ complaints_resolved.")
    visits_planned = serializers.IntegerField()
    visits_done = serializers.IntegerField()
    visit_completion = _rate("visits_done ÷ visits_planned.")
    surveys = serializers.IntegerField()
    satisfaction = _rate("Average survey score (1–5).")


SOURCES = [
    ("live", "the current month, computed now"),
    ("snapshot", "a past month, from its snapshot"),
    ("computed", "a past month without a snapshot, computed as of its end"),
]


class ManagerRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 for the best score.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    employee_no = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    is_active = serializers.BooleanField()
    # A field named like Field.source: DRF's metaclass moves it into _declared_fields, which
    # the stubs cannot see.
    source = serializers.ChoiceField(choices=SOURCES)  # type: ignore[assignment]
    indicators = IndicatorsSerializer()
    score = serializers.FloatField(allow_null=True)
    stars = serializers.IntegerField(allow_null=True, min_value=1, max_value=5)


class DashboardSerializer(serializers.Serializer):
    region = serializers.CharField(allow_null=True)
    period = serializers.CharField()
    as_of = serializers.DateField()
    arrears = ArrearsSerializer()
    risk = RiskCountsSerializer()
    risk_movement = RiskMovementSerializer()
    complaints = ComplaintFiguresSerializer()
    outages = OutageFiguresSerializer()
    connections = ConnectionFiguresSerializer()
    managers = ManagerRowSerializer(many=True)
    calendar_missing_year = serializers.IntegerField(
        allow_null=True,
        help_text="From 1 November: next year while its official calendar is not entered.",
    )


class PerformanceSerializer(serializers.Serializer):
    manager = serializers.IntegerField()
    name = serializers.CharField()
    period = serializers.CharField()
    as_of = serializers.DateField()
    # A field named like Field.source: DRF's metaclass moves it into _declared_fields, which
    # the stubs cannot see.
    source = serializers.ChoiceField(choices=SOURCES)  # type: ignore[assignment]
    computed_at = DateTimeField(allow_null=True)
    indicators = IndicatorsSerializer()
    score = serializers.FloatField(allow_null=True)
    stars = serializers.IntegerField(allow_null=True, min_value=1, max_value=5)


class SnapshotRequestSerializer(serializers.Serializer):
    period = serializers.RegexField(
        r"^\d{4}-\d{2}$", help_text="A finished month, YYYY-MM.", max_length=7
    )


class SnapshotResultSerializer(serializers.Serializer):
    period = serializers.CharField()
    created = serializers.IntegerField(help_text="Snapshots taken now (existing ones are kept).")
