"""Supply quality: interruptions of supply (停电) and voltage monitoring (电压监测点 and their
daily readings), the proactive-service episodes raised on them, and complaints linked to them.

An interruption is on a feeder: feeder-wide (no customer: every supply point on the feeder is
cut) or of one customer's supply point on that feeder. A customer is interrupted only while
all its supply points are (dual supply); supply.selectors does the arithmetic.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.models import TimeStampedModel
from supply.querysets import (
    EpisodeQuerySet,
    InterruptionQuerySet,
    MonitoringPointQuerySet,
    VoltageReadingQuerySet,
)

MINUTES_PER_DAY = 1440


class InterruptionSource(models.TextChoices):
    OUTAGE = "outage", _("Planned outage of this product")
    DISPATCH = "dispatch", _("Dispatch / outage management system")
    MANUAL = "manual", _("Entered by hand")


class Interruption(TimeStampedModel):
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=InterruptionSource.choices,
        default=InterruptionSource.DISPATCH,
    )
    source_ref = models.CharField(
        _("source reference"),
        max_length=100,
        help_text=_(
            "The reference of the interruption in its source; a second import of it "
            "updates the same interruption."
        ),
    )
    feeder = models.ForeignKey(
        "grid.Feeder",
        verbose_name=_("feeder"),
        on_delete=models.PROTECT,
        related_name="interruptions",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interruptions",
        help_text=_("Empty when the whole feeder was off."),
    )
    start = models.DateTimeField(pgettext_lazy("interruption", "start"))
    end = models.DateTimeField(
        pgettext_lazy("interruption", "end"),
        null=True,
        blank=True,
        help_text=_("Empty while supply is still off."),
    )
    cause = models.CharField(_("cause"), max_length=300, blank=True)
    planned = models.BooleanField(_("planned"), default=False)
    outage = models.ForeignKey(
        "outages.PlannedOutage",
        verbose_name=_("planned outage"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interruptions",
    )
    cause_cleared_at = models.DateTimeField(
        _("cause cleared at"),
        null=True,
        blank=True,
        help_text=_(
            "When the cause of a fault was removed; restoration is due within the "
            "time limit from then."
        ),
    )

    objects = InterruptionQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("interruption")
        verbose_name_plural = _("interruptions")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"], name="interruption_unique_source_ref"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                name="interruption_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["feeder", "start"]),
            models.Index(fields=["customer", "start"]),
            models.Index(fields=["start", "id"], name="interruption_start_order"),
        ]

    def __str__(self) -> str:
        return f"{self.source_ref} {self.start:%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> int | None:
        if self.end is None:
            return None
        return int((self.end - self.start).total_seconds() // 60)


class SupplyEventKind(models.TextChoices):
    RECORDED = "recorded", _("Interruption recorded")
    UPDATED = "updated", _("Interruption updated")
    RESTORED = "restored", _("Supply restored")
    LINKED = "linked", _("Complaint linked")
    UNLINKED = "unlinked", _("Complaint unlinked")


class SupplyEvent(models.Model):
    """What happened to an interruption (its history), one row per change."""

    interruption = models.ForeignKey(
        Interruption,
        verbose_name=_("interruption"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SupplyEventKind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("interruption event")
        verbose_name_plural = _("interruption events")

    def __str__(self) -> str:
        return f"{self.interruption_id} {self.kind}"


class VoltageClass(models.TextChoices):
    V220 = "220v", _("220 V single-phase")
    KV10 = "10kv", _("10 kV three-phase")
    KV20 = "20kv", _("20 kV three-phase")
    KV35_PLUS = "35kv_plus", _("35 kV and above")


class MonitoringPoint(TimeStampedModel):
    """A voltage monitoring point (电压监测点) at a customer, on one of its supply points."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="monitoring_points",
    )
    supply_point = models.ForeignKey(
        "customers.SupplyPoint",
        verbose_name=_("supply point"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="monitoring_points",
    )
    voltage_class = models.CharField(
        _("voltage class"), max_length=20, choices=VoltageClass.choices
    )
    active = models.BooleanField(_("active"), default=True)

    objects = MonitoringPointQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("voltage monitoring point")
        verbose_name_plural = _("voltage monitoring points")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class VoltageReading(models.Model):
    """One day's summary of a monitoring point, as the monitoring system sends it."""

    point = models.ForeignKey(
        MonitoringPoint,
        verbose_name=_("monitoring point"),
        on_delete=models.CASCADE,
        related_name="readings",
    )
    day = models.DateField(_("day"))
    minutes_monitored = models.PositiveSmallIntegerField(
        _("minutes monitored"), validators=[MaxValueValidator(MINUTES_PER_DAY)]
    )
    minutes_above = models.PositiveSmallIntegerField(_("minutes above the upper limit"))
    minutes_below = models.PositiveSmallIntegerField(_("minutes below the lower limit"))
    max_deviation_pct = models.DecimalField(
        _("maximum deviation (%)"), max_digits=6, decimal_places=2
    )
    min_deviation_pct = models.DecimalField(
        _("minimum deviation (%)"), max_digits=6, decimal_places=2
    )

    objects = VoltageReadingQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "point_id"]
        verbose_name = _("daily voltage reading")
        verbose_name_plural = _("daily voltage readings")
        constraints = [
            models.UniqueConstraint(fields=["point", "day"], name="voltage_reading_point_day"),
            models.CheckConstraint(
                condition=Q(minutes_monitored__lte=MINUTES_PER_DAY)
                & Q(minutes_above__lte=F("minutes_monitored") - F("minutes_below")),
                name="voltage_reading_minutes_consistent",
            ),
        ]
        indexes = [models.Index(fields=["day", "point"], name="voltage_reading_day")]

    def __str__(self) -> str:
        return f"{self.point_id} {self.day}"

    @property
    def extremes_outside_limits(self) -> bool:
        """Whether the day's extreme deviations pass the limits of the point's voltage class
        (settings.SUPPLY_VOLTAGE_LIMITS): above the upper or below the lower limit, or for 35
        kV and above the sum of the absolute deviations over its limit."""
        return deviation_outside(
            self.point.voltage_class, self.max_deviation_pct, self.min_deviation_pct
        )


def deviation_outside(voltage_class: str, highest, lowest) -> bool:
    limits = settings.SUPPLY_VOLTAGE_LIMITS.get(voltage_class, {})
    if "sum_abs" in limits:
        return abs(highest) + abs(lowest) > limits["sum_abs"]
    return highest > limits.get("upper", highest) or lowest < limits.get("lower", lowest)


class AlertRule(models.TextChoices):
    FAULTS = "faults", _("Frequent fault interruptions")
    MINUTES_OFF = "minutes_off", _("Long time without supply")
    VOLTAGE = "voltage", _("Low voltage pass rate")


class QualityEpisode(models.Model):
    """A key account over one threshold, from the job run that found it over until the run
    that found it back under. One proactive follow-up per episode."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="quality_episodes",
    )
    rule = models.CharField(_("threshold"), max_length=20, choices=AlertRule.choices)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    figures = models.JSONField(_("figures"), default=dict)
    followup = models.ForeignKey(
        "accounts_manager.FollowUp",
        verbose_name=_("follow-up"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("supply quality episode")
        verbose_name_plural = _("supply quality episodes")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "rule"],
                condition=Q(closed_at__isnull=True),
                name="quality_episode_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.rule} {self.opened_at:%Y-%m-%d}"


class ComplaintLink(models.Model):
    """A power-quality or outage complaint linked to the interruption it is about."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="supply_links",
    )
    interruption = models.ForeignKey(
        Interruption,
        verbose_name=_("interruption"),
        on_delete=models.CASCADE,
        related_name="complaint_links",
    )
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-linked_at", "-id"]
        verbose_name = _("complaint link")
        verbose_name_plural = _("complaint links")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "interruption"], name="complaint_link_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} ↔ {self.interruption_id}"
