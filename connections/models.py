"""Connection projects (业扩报装): the project, its steps, the customer's waits (clock stops),
the document checklist (一次性告知), attachments and the event log."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.models import TimeStampedModel
from common.transitions import StateMachine
from common.uploads import random_upload_path
from connections.querysets import ProjectQuerySet, ProjectRelatedQuerySet

TEXT_MAX = 2000


class Kind(models.TextChoices):
    NEW = "new", pgettext_lazy("connection kind", "New connection")
    INCREASE = "increase", pgettext_lazy("connection kind", "Capacity increase")
    DECREASE = "decrease", pgettext_lazy("connection kind", "Capacity decrease")
    TEMPORARY = "temporary", pgettext_lazy("connection kind", "Temporary supply")
    SUSPENSION = "suspension", pgettext_lazy("connection kind", "Suspension")
    RESUMPTION = "resumption", pgettext_lazy("connection kind", "Resumption")


# Kinds that need a customer already in the register.
KINDS_FOR_CUSTOMERS = frozenset({Kind.INCREASE, Kind.DECREASE, Kind.SUSPENSION, Kind.RESUMPTION})


class Scheme(models.TextChoices):
    LV = "lv", pgettext_lazy("supply scheme", "Low voltage, non-residential")
    HV_SINGLE = "hv_single", pgettext_lazy("supply scheme", "High voltage, single supply")
    HV_DUAL = "hv_dual", pgettext_lazy("supply scheme", "High voltage, dual supply")


class Step(models.TextChoices):
    ACCEPTED = "accepted", pgettext_lazy("connection step", "Application accepted")
    SUPPLY_PLAN = "supply_plan", pgettext_lazy("connection step", "Supply plan answered")
    DESIGN_REVIEW = "design_review", pgettext_lazy("connection step", "Design review")
    MID_INSPECTION = "mid_inspection", pgettext_lazy("connection step", "Mid-construction check")
    COMPLETION_INSPECTION = (
        "completion_inspection",
        pgettext_lazy("connection step", "Completion inspection"),
    )
    ENERGIZATION = "energization", pgettext_lazy("connection step", "Meter installed, energized")


HV_STEPS = tuple(Step)
LV_STEPS = (Step.ACCEPTED, Step.SUPPLY_PLAN, Step.COMPLETION_INSPECTION, Step.ENERGIZATION)


def steps_of(scheme: str) -> tuple[Step, ...]:
    """The steps of a project of `scheme`, in order (low voltage has no design review and no
    mid-construction check)."""
    return LV_STEPS if scheme == Scheme.LV else HV_STEPS


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("connection status", "Open")
    WAITING_CUSTOMER = (
        "waiting_customer",
        pgettext_lazy("connection status", "Waiting for customer"),
    )
    ENERGIZED = "energized", pgettext_lazy("connection status", "Energized")
    CANCELLED = "cancelled", pgettext_lazy("connection status", "Cancelled")


St = Status
_LIVE = frozenset({St.OPEN, St.WAITING_CUSTOMER})
_ENDED = frozenset({St.ENERGIZED, St.CANCELLED})
# The one map of allowed actions: action -> (statuses it may be taken from, new status). None
# keeps the status; `finish` of the last step is `energize`, chosen by the service.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "update": (_LIVE, None),
    "finish": (frozenset({St.OPEN}), None),
    "energize": (frozenset({St.OPEN}), St.ENERGIZED),
    "return": (frozenset({St.OPEN}), None),
    "wait": (frozenset({St.OPEN}), St.WAITING_CUSTOMER),
    "suspend": (frozenset({St.OPEN}), St.WAITING_CUSTOMER),
    "resume": (frozenset({St.WAITING_CUSTOMER}), St.OPEN),
    "cancel": (_LIVE, St.CANCELLED),
    "documents": (_LIVE, None),
    "attach": (_LIVE, None),
    "archive": (_ENDED, None),
}

ACTION_LABELS = {
    "update": _("edit"),
    "finish": _("finish the step"),
    "energize": _("energize"),
    "return": _("send back"),
    "wait": _("wait for the customer"),
    "suspend": _("suspend at the customer's request"),
    "resume": _("resume"),
    "cancel": _("cancel"),
    "documents": _("tick off documents"),
    "attach": _("attach a file"),
    "archive": _("archive"),
}

PROJECT_MACHINE = StateMachine(
    Status,
    TRANSITIONS,
    labels=ACTION_LABELS,
    refusal=_("A connection project that is %(status)s does not allow “%(action)s”."),
)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Project(TimeStampedModel):
    number = models.CharField(_("project number"), max_length=24, unique=True)
    external_ref = models.CharField(
        _("external reference"),
        max_length=64,
        blank=True,
        help_text=_("The marketing system's application number; a second push with it is ignored."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="connection_projects",
    )
    applicant_name = models.CharField(_("applicant"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    region = models.ForeignKey(
        "grid.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    voltage_kv = models.DecimalField(
        _("voltage (kV)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.22"))],
    )
    supply_scheme = models.CharField(_("supply scheme"), max_length=10, choices=Scheme.choices)
    requested_capacity_kva = models.DecimalField(
        _("requested capacity (kVA)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "The capacity applied for: the whole capacity of a new or temporary connection, the "
            "capacity added by an increase or removed by a decrease."
        ),
    )
    # What the register gets at energization (the supply plan's answer).
    segment = models.CharField(_("segment"), max_length=20, blank=True)
    tariff = models.CharField(_("tariff"), max_length=20, blank=True)
    primary_feeder = models.ForeignKey(
        "grid.Feeder",
        verbose_name=_("primary feeder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    backup_feeder = models.ForeignKey(
        "grid.Feeder",
        verbose_name=_("second feeder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contact_name = models.CharField(_("customer contact"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="connection_projects",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    current_step = models.CharField(_("current step"), max_length=30, choices=Step.choices)
    accepted_at = models.DateTimeField(_("accepted at"), db_index=True)
    # The clock: working days of the finished or sent-back parts of every step, the start of
    # the wait in progress, and the whole commitment with its last day.
    closed_working_days = models.PositiveIntegerField(_("utility working days closed"), default=0)
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    limit_working_days = models.PositiveSmallIntegerField(_("committed working days"))
    due_on = models.DateField(_("whole project due"), null=True, blank=True, db_index=True)
    breached = models.BooleanField(_("limit missed"), default=False, db_index=True)
    utility_working_days_final = models.PositiveIntegerField(
        _("utility working days (final)"), null=True, blank=True
    )
    # Progress of the deadline job on the whole commitment (each step once).
    warned_at = models.DateTimeField(_("warning sent at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("commitment missed at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_escalation_on = models.DateField(_("next escalation on"), null=True, blank=True)

    energized_at = models.DateTimeField(_("energized at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    progress_token = models.CharField(
        _("customer link token"), max_length=64, unique=True, default=new_token
    )
    plan_confirmed_at = models.DateTimeField(
        _("supply plan read by the customer at"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-accepted_at", "-id"]
        verbose_name = _("connection project")
        verbose_name_plural = _("connection projects")
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="connection_unique_external_ref",
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | ~Q(kind__in=sorted(KINDS_FOR_CUSTOMERS)),
                name="connection_kind_needs_customer",
            ),
        ]
        indexes = [
            models.Index(fields=["accepted_at", "id"], name="connection_accepted_order"),
            models.Index(fields=["status", "region"], name="connection_status_region"),
            models.Index(fields=["manager", "status"], name="connection_manager_status"),
            models.Index(fields=["updated_at", "id"], name="connection_sync_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.applicant_name}"

    def get_absolute_url(self) -> str:
        return reverse("connections:detail", args=[self.pk])

    def allows(self, action: str) -> bool:
        return PROJECT_MACHINE.allowed(self.status, action)

    @property
    def is_live(self) -> bool:
        return self.status in _LIVE

    @property
    def step_codes(self) -> tuple[Step, ...]:
        return steps_of(self.supply_scheme)


class StepStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("connection step status", "Not started")
    IN_PROGRESS = "in_progress", pgettext_lazy("connection step status", "In progress")
    WAITING = "waiting", pgettext_lazy("connection step status", "Waiting for customer")
    DONE = "done", pgettext_lazy("connection step status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("connection step status", "Cancelled")


class ProjectStep(models.Model):
    """One step of a project. A step sent back to runs again: its earlier working days are kept
    in `days_before` and the clock counts on from `run_started_at`."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="steps"
    )
    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    status = models.CharField(
        _("status"), max_length=20, choices=StepStatus.choices, default=StepStatus.PENDING
    )
    owner = models.CharField(
        _("done by"),
        max_length=100,
        blank=True,
        help_text=_("The department doing the step; empty: the account manager."),
    )
    limit_working_days = models.PositiveSmallIntegerField(_("limit (working days)"), null=True)
    regulator_working_days = models.PositiveSmallIntegerField(
        _("regulator's maximum (working days)"), null=True
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    run_started_at = models.DateTimeField(_("running since"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    days_before = models.PositiveIntegerField(_("working days of earlier runs"), default=0)
    waited_days = models.PositiveIntegerField(_("working days waited (this run)"), default=0)
    working_days = models.PositiveIntegerField(_("utility working days"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True, db_index=True)
    regulator_due_on = models.DateField(_("regulator's due date"), null=True, blank=True)
    breached = models.BooleanField(_("limit missed"), default=False)
    regulator_breached = models.BooleanField(_("regulator's maximum missed"), default=False)
    warned_at = models.DateTimeField(_("warning sent at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("limit missed at"), null=True, blank=True)
    regulator_breached_at = models.DateTimeField(
        _("regulator's maximum missed at"), null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = ProjectRelatedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "position"]
        verbose_name = _("project step")
        verbose_name_plural = _("project steps")
        constraints = [
            models.UniqueConstraint(fields=["project", "step"], name="connection_step_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.step}"


class WaitKind(models.TextChoices):
    DOCUMENTS = "documents", pgettext_lazy("connection wait", "Documents missing")
    CONSTRUCTION = "construction", pgettext_lazy("connection wait", "Customer's own construction")
    CUSTOMER_PAUSE = (
        "customer_pause",
        pgettext_lazy("connection wait", "Paused at the customer's request"),
    )
    OTHER = "other", pgettext_lazy("connection wait", "Other, on the customer's side")


class Wait(models.Model):
    """Time the utility waits for the customer: the clock stops."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="waits"
    )
    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=WaitKind.choices)
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    working_days = models.PositiveIntegerField(_("working days"), null=True, blank=True)

    objects = ProjectRelatedQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("wait for the customer")
        verbose_name_plural = _("waits for the customer")
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(ended_at__isnull=True),
                name="connection_one_open_wait",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.started_at:%Y-%m-%d}"


class DocumentItem(models.Model):
    """One document of the checklist told to the customer in one go (一次性告知)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="documents"
    )
    code = models.CharField(_("document"), max_length=30)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ProjectRelatedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "position", "id"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="connection_document_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.code}"

    @property
    def label(self) -> str:
        from connections.documents import document_label

        return str(document_label(self.code))


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("connection event", "Application accepted")
    UPDATED = "updated", pgettext_lazy("connection event", "Details changed")
    FINISHED = "finished", pgettext_lazy("connection event", "Step finished")
    RETURNED = "returned", pgettext_lazy("connection event", "Sent back")
    WAITING = "waiting", pgettext_lazy("connection event", "Waiting for the customer")
    RESUMED = "resumed", pgettext_lazy("connection event", "Resumed")
    CANCELLED = "cancelled", pgettext_lazy("connection event", "Cancelled")
    ENERGIZED = "energized", pgettext_lazy("connection event", "Energized")
    ARCHIVED = "archived", pgettext_lazy("connection event", "Archived")
    DOCUMENT = "document", pgettext_lazy("connection event", "Document received")
    ATTACHMENT = "attachment", pgettext_lazy("connection event", "Attachment")
    PLAN_CONFIRMED = "plan_confirmed", pgettext_lazy("connection event", "Supply plan read")
    WARNING = "warning", pgettext_lazy("connection event", "Limit warning")
    BREACHED = "breached", pgettext_lazy("connection event", "Limit missed")
    ESCALATED = "escalated", pgettext_lazy("connection event", "Escalated")


class ProjectEvent(models.Model):
    """One change to a project, in order: its audit trail and timeline."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="events"
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
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    step = models.CharField(_("step"), max_length=30, choices=Step.choices, blank=True)
    from_status = models.CharField(
        pgettext_lazy("connection event", "from"), max_length=20, choices=Status.choices, blank=True
    )
    to_status = models.CharField(
        pgettext_lazy("connection event", "to"), max_length=20, choices=Status.choices, blank=True
    )
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = ProjectRelatedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("project event")
        verbose_name_plural = _("project events")
        indexes = [models.Index(fields=["project", "at"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance: ProjectAttachment, filename: str) -> str:
    return random_upload_path("connections", filename)


class ProjectAttachment(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        DocumentItem,
        verbose_name=_("document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    event = models.OneToOneField(
        ProjectEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="attachment"
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

    objects = ProjectRelatedQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("project attachment")
        verbose_name_plural = _("project attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("connections:attachment", args=[self.pk])
