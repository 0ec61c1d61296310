import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.models import TimeStampedModel
from common.transitions import StateMachine
from customers.models import Channel
from grid.models import Feeder
from outages.querysets import (
    NotificationQuerySet,
    OutageImpactQuerySet,
    PlannedOutageQuerySet,
)


class OutageKind(models.TextChoices):
    PLANNED = "planned", _("Planned maintenance")
    TEMPORARY = "temporary", _("Temporary maintenance")
    CONSTRUCTION = "construction", _("Construction")
    EMERGENCY = "emergency", _("Emergency repair")


class OutageStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", pgettext_lazy("outage", "Approved")
    NOTIFYING = "notifying", _("Notifying")
    NOTIFIED = "notified", pgettext_lazy("outage", "Notified")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", pgettext_lazy("outage", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("outage", "Cancelled")


S = OutageStatus
# The one map of allowed transitions: action -> (statuses it may be taken from, new status).
# A new status of None leaves the status as it is. `finish_notifying` is taken by the notice
# batch, not by people; every other action is an API action or a page button.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "edit": (frozenset({S.DRAFT, S.SUBMITTED, S.APPROVED, S.NOTIFYING, S.NOTIFIED}), None),
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED),
    "approve": (frozenset({S.SUBMITTED}), S.APPROVED),
    "notify": (frozenset({S.APPROVED, S.NOTIFYING, S.NOTIFIED}), S.NOTIFYING),
    "finish_notifying": (frozenset({S.NOTIFYING}), S.NOTIFIED),
    "reschedule": (
        frozenset({S.DRAFT, S.SUBMITTED, S.APPROVED, S.NOTIFYING, S.NOTIFIED, S.IN_PROGRESS}),
        None,
    ),
    "cancel": (frozenset({S.DRAFT, S.SUBMITTED, S.APPROVED, S.NOTIFYING, S.NOTIFIED}), S.CANCELLED),
    "start": (frozenset({S.NOTIFYING, S.NOTIFIED}), S.IN_PROGRESS),
    "complete": (frozenset({S.IN_PROGRESS}), S.COMPLETED),
}
USER_ACTIONS = ("submit", "approve", "notify", "reschedule", "cancel", "start", "complete")
# Statuses in which the affected customers are frozen and kept up to date with the grid.
IMPACT_STATUSES = frozenset({S.APPROVED, S.NOTIFYING, S.NOTIFIED})
ACTIVE_STATUSES = frozenset({S.APPROVED, S.NOTIFYING, S.NOTIFIED, S.IN_PROGRESS})


class ReferenceCounter(models.Model):
    """The last reference number given out per year (`TD2026-0001`), one row per year.

    Incremented with a conditional UPDATE, which holds the row lock until the creating
    transaction ends, so concurrent creations get consecutive, distinct numbers.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(pgettext_lazy("outage", "last number"), default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class PlannedOutage(TimeStampedModel):
    reference = models.CharField(
        pgettext_lazy("outage", "reference"), max_length=20, unique=True, editable=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OutageKind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    area = models.CharField(
        _("area"),
        max_length=300,
        blank=True,
        help_text=_("Streets or places affected, as told to customers."),
    )
    feeders = models.ManyToManyField(Feeder, verbose_name=_("feeders"), related_name="outages")
    start = models.DateTimeField(pgettext_lazy("outage", "start"), db_index=True)
    end = models.DateTimeField(_("expected end"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OutageStatus.choices,
        default=OutageStatus.DRAFT,
        db_index=True,
    )
    override_reason = models.CharField(
        _("lead-time override reason"),
        max_length=300,
        blank=True,
        help_text=_("Why the notice lead time cannot be kept; recorded at approval."),
    )
    # Bumped by each reschedule; change notices are keyed by it.
    schedule_revision = models.PositiveSmallIntegerField(_("schedule revision"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    started_at = models.DateTimeField(pgettext_lazy("outage", "started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    cancel_reason = models.CharField(
        pgettext_lazy("outage", "cancellation reason"), max_length=300, blank=True
    )

    objects = PlannedOutageQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("planned outage")
        verbose_name_plural = _("planned outages")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="outage_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.reason}"

    def get_absolute_url(self) -> str:
        return reverse("outages:detail", args=[self.pk])

    def can(self, action: str) -> bool:
        return OUTAGE_MACHINE.allowed(self.status, action)

    def check_action(self, action: str) -> str:
        """The status after `action`; refuses (409) an action not allowed in this status."""
        return OUTAGE_MACHINE.check(self, action)

    @property
    def feeder_codes(self) -> list[str]:
        return [f.code for f in self.feeders.all()]


ACTION_LABELS = {
    "edit": _("Edit"),
    "submit": _("Submit"),
    "approve": pgettext_lazy("outage", "Approve"),
    "notify": _("Send notices"),
    "finish_notifying": _("Finish notifying"),
    "reschedule": _("Reschedule"),
    "cancel": pgettext_lazy("outage", "Cancel"),
    "start": pgettext_lazy("outage", "Start"),
    "complete": _("Complete"),
}

OUTAGE_MACHINE = StateMachine(
    OutageStatus,
    TRANSITIONS,
    labels=ACTION_LABELS,
    refusal=_("“%(action)s” is not allowed for an outage that is %(status)s."),
)


class OutageEvent(models.Model):
    """One change to an outage: who, when, what (its timeline and audit trail)."""

    outage = models.ForeignKey(
        PlannedOutage, verbose_name=_("outage"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    message = models.TextField(_("what"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("outage event")
        verbose_name_plural = _("outage events")

    def __str__(self) -> str:
        return f"{self.outage_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class ImpactLevel(models.TextChoices):
    FULL = "full", _("Fully cut off")
    PARTIAL = "partial", _("Partly supplied (dual supply)")


class OutageImpact(models.Model):
    """A customer affected by an outage, frozen at approval and kept up with grid changes."""

    outage = models.ForeignKey(
        PlannedOutage, verbose_name=_("outage"), on_delete=models.CASCADE, related_name="impacts"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="outage_impacts",
    )
    impact = models.CharField(_("impact"), max_length=10, choices=ImpactLevel.choices)
    important = models.BooleanField(_("important customer"), default=False)
    has_backup_generator = models.BooleanField(_("has own generator"), default=False)
    affected_feeders = models.CharField(_("affected feeders"), max_length=300, blank=True)
    reachable = models.BooleanField(_("reachable"), default=True)
    created_at = models.DateTimeField(_("affected since"), default=timezone.now)
    removed_at = models.DateTimeField(
        _("no longer affected since"),
        null=True,
        blank=True,
        help_text=_("Set when a grid or feeder change took the customer out of the outage."),
    )
    confirmed_at = models.DateTimeField(_("confirmed by customer at"), null=True, blank=True)
    call_confirmed_at = models.DateTimeField(_("call confirmed at"), null=True, blank=True)
    call_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("call confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    call_note = models.CharField(_("call note"), max_length=500, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    objects = OutageImpactQuerySet.as_manager()

    class Meta:
        ordering = ["outage_id", "customer_id"]
        verbose_name = _("affected customer")
        verbose_name_plural = _("affected customers")
        constraints = [
            models.UniqueConstraint(fields=["outage", "customer"], name="impact_unique_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.outage_id} × {self.customer_id} ({self.impact})"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class NotificationKind(models.TextChoices):
    NOTICE = "notice", _("Outage notice")
    CHANGE = "change", _("Change of time")
    CANCELLATION = "cancellation", _("Cancellation")
    RESTORATION = "restoration", _("Restoration of supply")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("outage", "Pending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", pgettext_lazy("outage", "Failed")
    CONFIRMED = "confirmed", _("Confirmed")


REACHED_STATUSES = (
    NotificationStatus.SENT,
    NotificationStatus.DELIVERED,
    NotificationStatus.CONFIRMED,
)
DELIVERED_STATUSES = (NotificationStatus.DELIVERED, NotificationStatus.CONFIRMED)


def new_token() -> str:
    # 192 random bits: unguessable, and only good for confirming this one notice.
    return secrets.token_urlsafe(24)


class Notification(models.Model):
    """One notice to one contact on one channel.

    (outage, contact, channel, kind, revision) is the idempotency key: planning a batch again
    inserts nothing new, and the key travels with the message so a provider can drop a copy
    sent again after a worker died between sending and recording it. `revision` is the
    outage's schedule revision for change notices and 0 for the other kinds, so a second
    reschedule gets its own change notice.
    """

    outage = models.ForeignKey(
        PlannedOutage,
        verbose_name=_("outage"),
        on_delete=models.CASCADE,
        related_name="notifications",
        # The idempotency key and the progress index both start with the outage.
        db_index=False,
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="outage_notifications",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="outage_notifications",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("sent to"), max_length=254)
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    provider_ref = models.CharField(_("provider reference"), max_length=100, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["outage_id", "customer_id", "contact_id", "id"]
        verbose_name = _("outage notification")
        verbose_name_plural = _("outage notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["outage", "contact", "channel", "kind", "revision"],
                name="notification_idempotency_key",
            ),
        ]
        indexes = [
            # Delta sync (`?updated_since=`, `?cursor=`): rows in the order of their last change.
            models.Index(fields=["updated_at", "id"], name="notification_sync_idx"),
            # The claim query: pending rows that are due, oldest first; read in index order,
            # so taking a chunk does not sort the whole backlog.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="notification_due_idx",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["outage", "kind", "status"], name="notification_progress_idx"),
            # Delivery reports from the SMS gateway name the provider's message id.
            models.Index(
                fields=["provider_ref"],
                name="notification_provider_ref_idx",
                condition=~Q(provider_ref=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} {self.status}"

    @property
    def idempotency_key(self) -> str:
        return (
            f"outage-{self.outage_id}-contact-{self.contact_id}-{self.channel}-{self.kind}"
            f"-{self.revision}"
        )

    @property
    def confirm_url(self) -> str:
        path = reverse("outages_public:confirm", args=[self.token])
        return settings.PUBLIC_BASE_URL.rstrip("/") + path
