"""Complaint tickets, their event log, attachments, callbacks, deadline rules and numbering."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.models import TimeStampedModel
from common.transitions import StateMachine
from common.uploads import random_upload_path
from complaints.querysets import ComplaintQuerySet, ComplaintRelatedQuerySet, deadline_passed

# Longest free text accepted from a form or the API.
DESCRIPTION_MAX = 5000
TEXT_MAX = 5000


class Channel(models.TextChoices):
    HOTLINE_95598 = "hotline_95598", pgettext_lazy("complaint channel", "95598 hotline")
    COUNTER = "counter", pgettext_lazy("complaint channel", "Service counter")
    MANAGER = "manager", pgettext_lazy("complaint channel", "Account manager")
    ONLINE = "online", pgettext_lazy("complaint channel", "Online")
    WECHAT = "wechat", pgettext_lazy("complaint channel", "WeChat")
    LETTER = "letter", pgettext_lazy("complaint channel", "Letter")


class Category(models.TextChoices):
    POWER_QUALITY = "power_quality", pgettext_lazy("complaint category", "Power quality")
    OUTAGE = "outage", pgettext_lazy("complaint category", "Outage")
    BILLING = "billing", pgettext_lazy("complaint category", "Billing")
    SERVICE = "service", pgettext_lazy("complaint category", "Service attitude")
    BUSINESS = "business", pgettext_lazy("complaint category", "Business process")
    METERING = "metering", pgettext_lazy("complaint category", "Metering")
    OTHER = "other", pgettext_lazy("complaint category", "Other")


class Severity(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("complaint severity", "Normal")
    URGENT = "urgent", pgettext_lazy("complaint severity", "Urgent")
    MAJOR = "major", pgettext_lazy("complaint severity", "Major")


# A repeat raises the severity one step; major is the top.
SEVERITY_RAISED = {
    Severity.NORMAL: Severity.URGENT,
    Severity.URGENT: Severity.MAJOR,
    Severity.MAJOR: Severity.MAJOR,
}


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("complaint status", "New")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("complaint status", "Acknowledged")
    IN_PROGRESS = "in_progress", pgettext_lazy("complaint status", "In progress")
    RESOLVED = "resolved", pgettext_lazy("complaint status", "Resolved")
    CLOSED = "closed", pgettext_lazy("complaint status", "Closed")
    REOPENED = "reopened", pgettext_lazy("complaint status", "Reopened")


St = Status
_ALL = frozenset(St.values)
_NOT_CLOSED = _ALL - {St.CLOSED}
# The one map of allowed actions: action -> (statuses it may be taken from, new status). A new
# status of None keeps the status. A callback ends as `close` (solved) or `reopen` (not
# solved), so the service applies that action's change after the callback is allowed; a
# supervisor may `close` without a callback; anyone handling the ticket may `reopen` it.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "update": (_NOT_CLOSED, None),
    "assign": (_NOT_CLOSED, None),
    "acknowledge": (frozenset({St.NEW, St.REOPENED}), St.ACKNOWLEDGED),
    "start": (frozenset({St.ACKNOWLEDGED}), St.IN_PROGRESS),
    "resolve": (frozenset({St.ACKNOWLEDGED, St.IN_PROGRESS}), St.RESOLVED),
    "callback": (frozenset({St.RESOLVED}), None),
    "close": (frozenset({St.RESOLVED}), St.CLOSED),
    "reopen": (frozenset({St.RESOLVED, St.CLOSED}), St.REOPENED),
    "comment": (_ALL, None),
    "attach": (_ALL, None),
}

ACTION_LABELS = {
    "create": _("register"),
    "update": _("edit"),
    "acknowledge": _("record the contact"),
    "start": _("start work"),
    "resolve": _("resolve"),
    "assign": _("assign"),
    "callback": _("record a callback"),
    "close": _("close without callback"),
    "reopen": _("reopen"),
    "comment": _("comment"),
    "attach": _("attach a file"),
}

COMPLAINT_MACHINE = StateMachine(
    Status,
    TRANSITIONS,
    labels=ACTION_LABELS,
    refusal=_("A complaint that is %(status)s does not allow “%(action)s”."),
)

# Statuses in which the ticket is still being worked (deadlines run, escalation applies).
WORKING_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED)


class Responsibility(models.TextChoices):
    COMPANY = "company", _("The company")
    CUSTOMER = "customer", _("The customer")
    THIRD_PARTY = "third_party", _("A third party")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")


class InformedVia(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")


class DeadlineRule(models.Model):
    """How long a complaint of one category and severity may take (editable in the admin)."""

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    ack_hours = models.PositiveSmallIntegerField(
        _("contact the customer within (hours)"),
        validators=[MinValueValidator(1)],
        help_text=_("Calendar hours from receipt; holidays do not stop this clock."),
    )
    resolve_working_days = models.PositiveSmallIntegerField(
        _("resolve within (working days)"),
        validators=[MinValueValidator(1)],
        help_text=_("Counted on the official Chinese calendar (holidays and make-up days)."),
    )
    ack_warning_minutes = models.PositiveIntegerField(
        _("warn before the contact deadline (minutes)"), default=30
    )
    resolve_warning_hours = models.PositiveIntegerField(
        _("warn before the resolution deadline (hours)"), default=24
    )

    class Meta:
        ordering = ["category", "severity"]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "severity"], name="complaint_deadline_rule_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} / {self.get_severity_display()}"


class TicketCounter(models.Model):
    """The last ticket sequence number used on one day (locked while numbering)."""

    day = models.DateField(_("day"), unique=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Complaint(TimeStampedModel):
    ticket_no = models.CharField(_("ticket number"), max_length=20, unique=True)
    external_ref = models.CharField(
        _("external ticket number"),
        max_length=64,
        blank=True,
        help_text=_("The 95598 work-order number; a second push with it is ignored."),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    channel = models.CharField(
        pgettext_lazy("complaint", "channel"), max_length=20, choices=Channel.choices
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    description = models.TextField(_("description"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_complaints",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    received_at = models.DateTimeField(_("received at"), db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # Deadlines of the current handling cycle (set on receipt, recomputed on reopen).
    cycle = models.PositiveSmallIntegerField(_("handling cycle"), default=0)
    cycle_started_at = models.DateTimeField(_("cycle started at"))
    ack_due = models.DateTimeField(_("contact due"), db_index=True)
    resolve_due = models.DateTimeField(_("resolution due"), db_index=True)
    # When the deadline job warns the assignee (from the rule's warning lead times).
    ack_warn_at = models.DateTimeField(_("warn about contact at"))
    resolve_warn_at = models.DateTimeField(_("warn about resolution at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    started_at = models.DateTimeField(_("work started at"), null=True, blank=True)
    # Progress of the deadline job in this cycle; each step happens once (conditional update).
    ack_warned_at = models.DateTimeField(_("contact warning sent at"), null=True, blank=True)
    ack_breached_at = models.DateTimeField(_("contact deadline missed at"), null=True, blank=True)
    resolve_warned_at = models.DateTimeField(_("resolution warning sent at"), null=True, blank=True)
    resolve_breached_at = models.DateTimeField(
        _("resolution deadline missed at"), null=True, blank=True
    )
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)
    # Never cleared: a reopened ticket keeps the record that it once missed a deadline.
    breached = models.BooleanField(_("deadline missed"), default=False, db_index=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # The resolution deadline was counted across a year whose official calendar is not entered
    # (only weekends and the statutory holidays known): recomputed when the year is entered.
    deadlines_provisional = models.BooleanField(_("deadlines provisional"), default=False)

    is_repeat = models.BooleanField(_("repeat complaint"), default=False, db_index=True)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
    )

    # Resolution (all required to resolve).
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    responsibility = models.CharField(
        _("responsibility"), max_length=20, choices=Responsibility.choices, blank=True
    )
    justification = models.TextField(_("justification of the responsibility"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    customer_informed_at = models.DateTimeField(_("customer informed at"), null=True, blank=True)
    customer_informed_via = models.CharField(
        _("customer informed via"), max_length=10, choices=InformedVia.choices, blank=True
    )

    # Callback and closure.
    satisfaction = models.PositiveSmallIntegerField(
        pgettext_lazy("complaint", "satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    solved = models.BooleanField(_("solved"), null=True, blank=True)
    failed_callbacks = models.PositiveSmallIntegerField(
        _("unanswered callback attempts (this cycle)"), default=0
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_without_callback = models.BooleanField(_("closed without callback"), default=False)
    close_reason = models.TextField(_("reason for closing without callback"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="complaint_unique_external_ref",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="complaint_satisfaction_1_to_5",
            ),
        ]
        indexes = [
            # Delta sync (`?updated_since=`, `?cursor=`): rows in the order of their last change.
            models.Index(fields=["updated_at", "id"], name="complaint_sync_idx"),
            models.Index(fields=["customer", "category", "received_at"]),
            models.Index(fields=["status", "resolve_due"]),
        ]

    def __str__(self) -> str:
        return self.ticket_no

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])

    def allows(self, action: str) -> bool:
        """Whether `action` is allowed in the current status (roles are checked elsewhere)."""
        return COMPLAINT_MACHINE.allowed(self.status, action)

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def is_working(self) -> bool:
        return self.status in WORKING_STATUSES

    def missed_deadline(self, now: dt.datetime) -> dt.datetime | None:
        """The deadline this ticket has missed at `now` (contact first, while not contacted),
        or None. The same rule as `complaints.querysets.overdue_q`: reached is missed (`<=`)."""
        if not self.is_working:
            return None
        if self.acknowledged_at is None and deadline_passed(self.ack_due, now):
            return self.ack_due
        if deadline_passed(self.resolve_due, now):
            return self.resolve_due
        return None

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """Whether a deadline has passed unmet at `now` (default: the current time)."""
        return self.missed_deadline(now or timezone.now()) is not None


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("complaint event", "Registered")
    REPEAT = "repeat", pgettext_lazy("complaint event", "Repeat detected")
    UPDATED = "updated", pgettext_lazy("complaint event", "Details changed")
    ASSIGNED = "assigned", pgettext_lazy("complaint event", "Assigned")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("complaint event", "Customer contacted")
    STARTED = "started", pgettext_lazy("complaint event", "Work started")
    RESOLVED = "resolved", pgettext_lazy("complaint event", "Resolved")
    CALLBACK = "callback", pgettext_lazy("complaint event", "Callback")
    CALLBACK_FAILED = "callback_failed", pgettext_lazy("complaint event", "Callback not answered")
    CLOSED = "closed", pgettext_lazy("complaint event", "Closed")
    CLOSED_WITHOUT_CALLBACK = (
        "closed_without_callback",
        pgettext_lazy("complaint event", "Closed without callback"),
    )
    REOPENED = "reopened", pgettext_lazy("complaint event", "Reopened")
    COMMENT = "comment", pgettext_lazy("complaint event", "Comment")
    ATTACHMENT = "attachment", pgettext_lazy("complaint event", "Attachment")
    WARNING = "warning", pgettext_lazy("complaint event", "Deadline warning")
    BREACHED = "breached", pgettext_lazy("complaint event", "Deadline missed")
    ESCALATED = "escalated", pgettext_lazy("complaint event", "Escalated")
    DEADLINES_RECOMPUTED = (
        "deadlines_recomputed",
        pgettext_lazy("complaint event", "Deadlines recomputed"),
    )


class ComplaintEvent(models.Model):
    """One change to a ticket, in order: the ticket's audit trail and timeline."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    from_status = models.CharField(
        pgettext_lazy("complaint event", "from"), max_length=20, choices=Status.choices, blank=True
    )
    to_status = models.CharField(
        pgettext_lazy("complaint event", "to"), max_length=20, choices=Status.choices, blank=True
    )
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = ComplaintRelatedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        indexes = [models.Index(fields=["complaint", "at"])]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance: ComplaintAttachment, filename: str) -> str:
    return random_upload_path("complaints", filename)


class ComplaintAttachment(models.Model):
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    event = models.OneToOneField(
        ComplaintEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="attachment",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    objects = ComplaintRelatedQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("complaints:attachment", args=[self.pk])


class CallbackAttempt(models.Model):
    """One callback (回访) to the customer: answered with a verdict, or not reached."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="callbacks"
    )
    cycle = models.PositiveSmallIntegerField(_("handling cycle"))
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reached = models.BooleanField(_("customer reached"))
    satisfaction = models.PositiveSmallIntegerField(
        pgettext_lazy("complaint", "satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    solved = models.BooleanField(_("solved"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = ComplaintRelatedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("callback attempt")
        verbose_name_plural = _("callback attempts")
        constraints = [
            models.CheckConstraint(
                condition=Q(reached=False, satisfaction__isnull=True, solved__isnull=True)
                | Q(reached=True, satisfaction__gte=1, satisfaction__lte=5, solved__isnull=False),
                name="complaint_callback_verdict_when_reached",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.at:%Y-%m-%d %H:%M}"
