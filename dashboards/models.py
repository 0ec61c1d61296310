"""Managers' performance (star-rating rules and monthly snapshots) and the dashboard's
summary tables of money figures.

The summary tables hold what is too costly to aggregate on every page view at 200k customers
(the month's bills, collections and arrears). They are refreshed by a scheduled job and on
demand (dashboards.performance.refresh_portfolio_summary); everything else on the
dashboard is read live.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.expressions import Combinable
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "DebtorSummary",
    "IndicatorWeight",
    "ManagerMonthSnapshot",
    "PerformanceIndicator",
    "PortfolioSummary",
    "StarBand",
    "SummaryPeriod",
]

_DecimalSet = str | float | Decimal | Combinable  # what a DecimalField accepts on assignment


def money_field(verbose_name: StrOrPromise) -> models.DecimalField[_DecimalSet, Decimal]:
    """A money figure of a summary table: 16 digits, 2 decimals, zero by default."""
    return models.DecimalField(
        verbose_name, max_digits=16, decimal_places=2, default=Decimal("0.00")
    )


def ratio_field(
    verbose_name: StrOrPromise,
) -> models.DecimalField[_DecimalSet | None, Decimal | None]:
    """A ratio (0..1, four decimals); empty when there is nothing to divide by."""
    return models.DecimalField(verbose_name, max_digits=9, decimal_places=4, null=True, blank=True)


class PerformanceIndicator(models.TextChoices):
    """The indicators that make up a manager's score (see docs/dashboards.md)."""

    COLLECTION_RATE = "collection_rate", _("Collection rate")
    OVERDUE_RATIO = "overdue_ratio", _("Overdue share of the amount receivable")
    HIGH_RISK_SHARE = "high_risk_share", _("Share of high-risk customers")
    COMPLAINT_SLA = "complaint_sla", _("Complaints resolved within deadline")
    VISIT_COMPLETION = "visit_completion", _("Visits done against plan")
    SATISFACTION = "satisfaction", _("Average satisfaction")


class IndicatorWeight(models.Model):
    """How one indicator counts in the score: its weight, and the values worth 100 and 0 points.

    Between `worst` and `best` the points grow linearly; beyond them they stay at 0 or 100.
    `best` may be below `worst` for an indicator where less is better.
    """

    indicator = models.CharField(
        _("indicator"), max_length=30, choices=PerformanceIndicator.choices, unique=True
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        validators=[MaxValueValidator(100)],
        help_text=_("Relative weight; 0 leaves the indicator out of the score."),
    )
    best = models.DecimalField(_("value worth 100 points"), max_digits=12, decimal_places=4)
    worst = models.DecimalField(_("value worth 0 points"), max_digits=12, decimal_places=4)

    class Meta:
        db_table = "accounts_manager_indicatorweight"
        ordering = ["indicator"]
        verbose_name = _("performance indicator weight")
        verbose_name_plural = _("performance indicator weights")
        constraints = [
            models.CheckConstraint(
                condition=~Q(best=models.F("worst")), name="indicatorweight_best_not_worst"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} × {self.weight}"

    def clean(self) -> None:
        if self.best is not None and self.best == self.worst:
            raise ValidationError({"worst": _("The values worth 100 and 0 points must differ.")})


class StarBand(models.Model):
    """The lowest score that earns `stars`; a score below every band earns one star."""

    stars = models.PositiveSmallIntegerField(
        _("stars"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    min_score = models.DecimalField(
        _("from score"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        db_table = "accounts_manager_starband"
        ordering = ["-stars"]
        verbose_name = _("star band")
        verbose_name_plural = _("star bands")
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="starband_stars_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(min_score__gte=0, min_score__lte=100), name="starband_score_0_to_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{'★' * self.stars} ≥ {self.min_score}"


class ManagerMonthSnapshot(models.Model):
    """A manager's indicators for one month, frozen when the month was closed.

    Past months are read from here, so moving customers between portfolios later does not
    rewrite a manager's history.
    """

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.CASCADE,
        related_name="performance_snapshots",
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    as_of = models.DateField(_("figures as of"))
    region = models.ForeignKey(
        "grid.Region",
        verbose_name=_("region"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    portfolio_customers = models.PositiveIntegerField(_("customers in the portfolio"), default=0)
    billed = money_field(_("bills falling due in the month"))
    bills_due = money_field(_("bills due so far"))
    collected = money_field(_("collected on them"))
    collection_rate = ratio_field(_("collection rate"))
    amount_overdue = money_field(_("amount overdue"))
    overdue_ratio = ratio_field(_("overdue share of the amount receivable"))
    high_risk_customers = models.PositiveIntegerField(_("high-risk customers"), default=0)
    high_risk_share = ratio_field(_("share of high-risk customers"))
    complaints_resolved = models.PositiveIntegerField(_("complaints resolved"), default=0)
    complaints_resolved_in_time = models.PositiveIntegerField(
        _("complaints resolved within deadline"), default=0
    )
    complaint_sla = ratio_field(_("complaint deadline compliance"))
    visits_planned = models.PositiveIntegerField(_("visits planned"), default=0)
    visits_done = models.PositiveIntegerField(_("visits done on time"), default=0)
    visit_completion = ratio_field(_("visits done against plan"))
    surveys = models.PositiveIntegerField(_("satisfaction surveys"), default=0)
    satisfaction = models.DecimalField(
        _("average satisfaction"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    computed_at = models.DateTimeField(_("taken at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        db_table = "accounts_manager_managermonthsnapshot"
        ordering = ["-period", "manager_id"]
        verbose_name = _("monthly performance snapshot")
        verbose_name_plural = _("monthly performance snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["manager", "period"], name="performance_snapshot_unique"
            ),
            models.CheckConstraint(
                condition=Q(period__day=1), name="performance_snapshot_first_day"
            ),
        ]
        indexes = [models.Index(fields=["period", "region"], name="perf_snapshot_period_idx")]

    def __str__(self) -> str:
        return f"{self.manager_id} {self.period:%Y-%m} {self.stars or '—'}★"


class SummaryPeriod(models.Model):
    """One month whose money figures are in the summary tables, and how fresh they are.

    Its row is also the lock that serialises two refreshes of the same month.
    """

    period = models.DateField(_("month"), unique=True)
    as_of = models.DateField(_("figures as of"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)

    class Meta:
        db_table = "accounts_manager_summaryperiod"
        ordering = ["-period"]
        verbose_name = _("dashboard summary month")
        verbose_name_plural = _("dashboard summary months")

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} ({self.refreshed_at or '—'})"


class PortfolioSummary(models.Model):
    """Figures of one month for the customers of one region and one manager: money, portfolio
    size, risk levels and the visit plan.

    `manager` is the manager whose assignment covered the customer on `as_of` (empty for
    customers nobody looked after then).
    """

    period = models.DateField(_("month"))
    region = models.ForeignKey(
        "grid.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    billed = money_field(_("bills falling due in the month"))
    bills_due = money_field(_("bills due so far"))
    collected = money_field(_("collected on them"))
    overdue = money_field(_("amount overdue"))
    aging_1_30 = money_field(_("1–30 days"))
    aging_31_60 = money_field(_("31–60 days"))
    aging_61_90 = money_field(_("61–90 days"))
    aging_over_90 = money_field(_("over 90 days"))
    overdue_customers = models.PositiveIntegerField(_("customers with arrears"), default=0)
    # Active customers of the portfolio and the risk level they show, and the month's visit
    # plan: counted with the money figures so that the dashboard reads no per-customer rows.
    customers = models.PositiveIntegerField(_("active customers"), default=0)
    risk_low = models.PositiveIntegerField(_("low risk"), default=0)
    risk_medium = models.PositiveIntegerField(_("medium risk"), default=0)
    risk_high = models.PositiveIntegerField(_("high risk"), default=0)
    risk_critical = models.PositiveIntegerField(_("critical risk"), default=0)
    visits_planned = models.PositiveIntegerField(_("visits planned"), default=0)
    visits_done = models.PositiveIntegerField(_("visits done on time"), default=0)

    class Meta:
        db_table = "accounts_manager_portfoliosummary"
        ordering = ["period", "region_id", "manager_id"]
        verbose_name = _("portfolio summary")
        verbose_name_plural = _("portfolio summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "region", "manager"],
                condition=Q(manager__isnull=False),
                name="portfolio_summary_unique",
            ),
            models.UniqueConstraint(
                fields=["period", "region"],
                condition=Q(manager__isnull=True),
                name="portfolio_summary_unique_unassigned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.region_id}/{self.manager_id or '—'}"


class DebtorSummary(models.Model):
    """One of a region's biggest debtors of the month (the top few per region are kept)."""

    period = models.DateField(_("month"))
    region = models.ForeignKey(
        "grid.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    overdue = money_field(_("amount overdue"))
    oldest_due_date = models.DateField(_("oldest unpaid due date"))

    class Meta:
        db_table = "accounts_manager_debtorsummary"
        ordering = ["period", "-overdue"]
        verbose_name = _("top debtor")
        verbose_name_plural = _("top debtors")
        constraints = [
            models.UniqueConstraint(fields=["period", "customer"], name="debtor_summary_unique"),
        ]
        indexes = [models.Index(fields=["period", "region", "-overdue"], name="debtor_rank_idx")]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.customer_id} {self.overdue}"
