"""Serializers of the visit and visit-plan endpoints."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts_manager.models import User
from common.api.fields import DateTimeField
from customers.models import Customer
from customers.portfolios import visible_managers
from visits.models import (
    SURVEY_DIMENSIONS,
    SatisfactionSurvey,
    Visit,
    VisitKind,
    VisitOutcome,
    VisitPlan,
)


class SurveySerializer(serializers.ModelSerializer):
    overall = serializers.FloatField(read_only=True, help_text="Mean of the five scores.")

    class Meta:
        model = SatisfactionSurvey
        fields = [
            *(name for name, _label in SURVEY_DIMENSIONS),
            "respondent",
            "comments",
            "overall",
        ]
        extra_kwargs = {name: {"min_value": 1, "max_value": 5} for name, _l in SURVEY_DIMENSIONS}


class VisitSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(),
        required=False,
        help_text=_(
            "User id of who made the visit; default yourself (a manager or "
            "supervisor) or the customer's manager."
        ),
    )
    visited_at = DateTimeField(required=False, help_text=_("Default now."))
    kind = serializers.ChoiceField(choices=VisitKind.choices)
    outcome = serializers.ChoiceField(choices=VisitOutcome.choices)
    survey = SurveySerializer(required=False, allow_null=True)
    plans = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "customer",
            "manager",
            "visited_at",
            "kind",
            "outcome",
            "contact_person",
            "notes",
            "survey",
            "plans",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            self.fields["customer"].queryset = Customer.objects.visible_to(user)
            self.fields["manager"].queryset = User.objects.filter(
                Q(pk__in=visible_managers(user).values("pk")) | Q(pk=user.pk), is_active=True
            )

    def get_plans(self, visit) -> list[int]:
        """Ids of the planned visits this visit fulfilled."""
        return [plan.pk for plan in visit.plans.all()]


class VisitPlanSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(read_only=True, source="is_overdue")
    manager = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        source="manager_id_open",
        help_text=_("The customer's current account manager."),
    )

    class Meta:
        model = VisitPlan
        fields = [
            "id",
            "customer",
            "manager",
            "window_start",
            "due_date",
            "frequency_months",
            "importance",
            "status",
            "visit",
            "done_on",
            "overdue",
        ]
        read_only_fields = fields
