from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

# {field: {value: label}} of the fields with fixed choices (labels stay lazy: translated when
# shown).
_CHOICE_LABELS: dict[models.Field, dict] = {}


def choice_label(field: models.Field, value):
    """What `get_<field>_display()` answers, without rebuilding the field's choices on every
    call as Django does (hashing every lazy label translates it: a tenth of the customers
    list's time went there)."""
    labels = _CHOICE_LABELS.get(field)
    if labels is None:
        labels = dict(make_hashable(field.flatchoices))
        if not isinstance(field.choices, CallableChoiceIterator):  # fixed choices only
            _CHOICE_LABELS[field] = labels
    return force_str(labels.get(make_hashable(value), value), strings_only=True)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):  # Django's hook behind get_<field>_display()
        return choice_label(field, getattr(self, field.attname))


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


class OutboxTask(models.Model):
    """A background task to publish, written in the same transaction as the change needing it.

    `common.outbox.enqueue` adds the row and publishes it right after the commit; a broker
    that is down leaves the row unpublished, and the job `publish_task_outbox` (every minute)
    publishes it once the broker is back. Tasks take ids and are safe to run twice, since a
    row may be published again if its publisher died between publishing and recording it.
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # A publisher holds the row while it hands it to the broker; a dead one's claim expires.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")
        indexes = [
            models.Index(
                fields=["id"],
                name="outbox_unpublished_idx",
                condition=models.Q(published_at__isnull=True),
            ),
            models.Index(fields=["published_at"], name="outbox_published_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} {'published' if self.published_at else 'queued'}"


class ServiceBeat(models.Model):
    """The last sign of life of a background service (`worker`: the heartbeat task ran), read
    by the readiness probe (`/readyz`, common/health.py)."""

    name = models.CharField(_("service"), max_length=50, unique=True)
    at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("service heartbeat")
        verbose_name_plural = _("service heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
