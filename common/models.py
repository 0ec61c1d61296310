from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class CalendarYear(models.Model):
    """One year of the official calendar, as published by the State Council each autumn.

    `complete` says that the year's notice is entered in full: only then is a day's status
    certain. Without it the product knows only weekends and the statutory fixed-date holidays
    (see `common.workcalendar`).
    """

    year = models.PositiveSmallIntegerField(
        _("year"),
        unique=True,
        validators=[MinValueValidator(1949), MaxValueValidator(2200)],
    )
    source = models.CharField(
        _("source"),
        max_length=500,
        blank=True,
        help_text=_("The State Council notice: title, number, date and address."),
    )
    complete = models.BooleanField(
        _("complete"),
        default=False,
        help_text=_("The year's notice is entered in full (holidays and make-up working days)."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), null=True, blank=True)
    # Any change to the year or its days moves this stamp: the in-process caches compare it.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("official calendar year")
        verbose_name_plural = _("official calendar years")

    def __str__(self) -> str:
        return str(self.year)


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    WORKDAY = "workday", _("Make-up working day")


class CalendarDay(models.Model):
    """A public holiday, or a make-up working day (调休) on a weekend, of an official year."""

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("official calendar day")
        verbose_name_plural = _("official calendar days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}"
