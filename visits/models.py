"""Visits to customers: the plan (one item per customer per cycle), visits done, surveys.

A customer's visit cycle follows its importance class (settings.VISIT_FREQUENCY_MONTHS):
cycles are runs of whole calendar months counted from January of year 0, so a monthly cycle is
a calendar month, a two-monthly one Jan–Feb, Mar–Apr…, a quarterly one a calendar quarter, a
half-yearly one Jan–Jun or Jul–Dec. A plan item covers one cycle (`window_start` to
`due_date`, its last day); a visit on or before the due date fulfils it on time.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel
from customers.querysets import CustomerScopedQuerySet

__all__ = [
    "SURVEY_DIMENSIONS",
    "SatisfactionSurvey",
    "Visit",
    "VisitKind",
    "VisitOutcome",
    "VisitPlan",
    "VisitPlanStatus",
]


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("Routine visit")
    COLLECTION = "collection", _("Collection")
    COMPLAINT_FOLLOW_UP = "complaint_follow_up", _("Complaint follow-up")
    PRE_OUTAGE_BRIEFING = "pre_outage_briefing", _("Pre-outage briefing")
    SATISFACTION_SURVEY = "satisfaction_survey", _("Satisfaction survey")


class VisitOutcome(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    FOLLOW_UP_NEEDED = "follow_up_needed", _("Completed, follow-up needed")
    NOT_MET = "not_met", _("Customer not met")


# Outcomes that count as a visit made (a visit where nobody was met fulfils no plan).
FULFILLING_OUTCOMES = (VisitOutcome.COMPLETED, VisitOutcome.FOLLOW_UP_NEEDED)


class VisitPlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class VisitPlanQuerySet(CustomerScopedQuerySet):
    def open(self):
        return self.filter(status=VisitPlanStatus.PLANNED)

    def overdue(self, today=None):
        return self.open().filter(due_date__lt=today or timezone.localdate())


class VisitPlan(TimeStampedModel):
    """One planned visit: the customer is to be visited between window_start and due_date."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="visit_plans",
    )
    window_start = models.DateField(_("from"))
    due_date = models.DateField(_("due by"))
    frequency_months = models.PositiveSmallIntegerField(
        _("frequency (months)"), validators=[MinValueValidator(1)]
    )
    importance = models.CharField(_("importance class when planned"), max_length=20)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=VisitPlanStatus.choices,
        default=VisitPlanStatus.PLANNED,
    )
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plans",
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    objects = VisitPlanQuerySet.as_manager()

    class Meta:
        db_table = "accounts_manager_visitplan"
        ordering = ["due_date", "customer_id"]
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "window_start"], name="visitplan_one_per_cycle"
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("window_start")),
                name="visitplan_due_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False),
                name="visitplan_done_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["due_date", "status"], name="visitplan_due_idx"),
            # The API's orderings (`?ordering=`, with the id breaking ties), first and deep pages.
            models.Index(fields=["due_date", "id"], name="visitplan_due_date_order"),
            models.Index(fields=["window_start", "id"], name="visitplan_window_order"),
            models.Index(fields=["customer", "status"], name="visitplan_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.window_start}–{self.due_date} ({self.status})"

    @property
    def is_overdue(self) -> bool:
        return self.status == VisitPlanStatus.PLANNED and self.due_date < timezone.localdate()

    @property
    def done_on_time(self) -> bool:
        return (
            self.status == VisitPlanStatus.DONE
            and self.done_on is not None
            and self.done_on <= self.due_date
        )


class VisitQuerySet(CustomerScopedQuerySet):
    pass


class Visit(TimeStampedModel):
    """A visit made to a customer by an account manager (or a supervisor)."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visited_at = models.DateTimeField(_("visited at"), db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=VisitKind.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=VisitOutcome.choices)
    contact_person = models.CharField(_("met with"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        db_table = "accounts_manager_visit"
        ordering = ["-visited_at", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["customer", "visited_at"], name="visit_customer_idx"),
            models.Index(fields=["manager", "visited_at"], name="visit_manager_idx"),
            # The API's orderings (`?ordering=`, with the id breaking ties).
            models.Index(fields=["visited_at", "id"], name="visit_visited_order"),
            models.Index(fields=["created_at", "id"], name="visit_created_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id} {self.visited_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("visits:detail", args=[self.pk])

    @property
    def fulfils_plan(self) -> bool:
        return self.outcome in FULFILLING_OUTCOMES


# (field name, label) of the survey's dimensions, each scored 1–5.
SURVEY_DIMENSIONS = (
    ("supply_reliability", _("Supply reliability")),
    ("power_quality", _("Power quality")),
    ("billing", _("Billing")),
    ("service_attitude", _("Service attitude")),
    ("business_handling", _("Business handling")),
)
SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class SatisfactionSurveyQuerySet(CustomerScopedQuerySet):
    pass


class SatisfactionSurvey(models.Model):
    """The customer's satisfaction, asked during a visit: five dimensions, each 1–5."""

    visit = models.OneToOneField(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="survey"
    )
    # Copied from the visit so the survey's figures need no join.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="satisfaction_surveys",
    )
    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    respondent = models.CharField(_("respondent"), max_length=100, blank=True)
    supply_reliability = models.PositiveSmallIntegerField(
        _("supply reliability"), validators=SCORE_VALIDATORS
    )
    power_quality = models.PositiveSmallIntegerField(
        _("power quality"), validators=SCORE_VALIDATORS
    )
    billing = models.PositiveSmallIntegerField(_("billing"), validators=SCORE_VALIDATORS)
    service_attitude = models.PositiveSmallIntegerField(
        _("service attitude"), validators=SCORE_VALIDATORS
    )
    business_handling = models.PositiveSmallIntegerField(
        _("business handling"), validators=SCORE_VALIDATORS
    )
    comments = models.TextField(_("comments"), blank=True)

    objects = SatisfactionSurveyQuerySet.as_manager()

    class Meta:
        db_table = "accounts_manager_satisfactionsurvey"
        ordering = ["-taken_at", "-id"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    **{
                        f"{name}__{op}": bound
                        for name, _label in SURVEY_DIMENSIONS
                        for op, bound in (("gte", 1), ("lte", 5))
                    }
                ),
                name="survey_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.taken_at:%Y-%m-%d} {self.overall}"

    @property
    def scores(self) -> list[int]:
        return [getattr(self, name) for name, _label in SURVEY_DIMENSIONS]

    @property
    def overall(self):
        """The mean of the five scores, to two places."""
        from decimal import Decimal

        return (Decimal(sum(self.scores)) / len(SURVEY_DIMENSIONS)).quantize(Decimal("0.01"))
