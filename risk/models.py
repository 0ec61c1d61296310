"""The arrears-risk scan: scans, each customer's assessment per scan, and manual overrides.

A scan (RiskScan) scores every active customer once; its results are kept as history, one
RiskAssessment per customer per scan. The customer row carries the latest level and score
(`Customer.risk_level`, `risk_score`) for lists and filters; an active RiskOverride replaces
the level shown until it expires. See docs/risk.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import RiskLevel
from customers.querysets import CustomerScopedQuerySet

# Levels from lowest to highest; the index is the level's rank.
LEVEL_ORDER: tuple[str, ...] = (
    RiskLevel.LOW,
    RiskLevel.MEDIUM,
    RiskLevel.HIGH,
    RiskLevel.CRITICAL,
)
# A rise into one of these levels raises a follow-up and tells the supervisor.
ALERT_LEVELS: tuple[str, ...] = (RiskLevel.HIGH, RiskLevel.CRITICAL)


def level_rank(level: str | None) -> int:
    """0 for low … 3 for critical; -1 for no level (never scanned)."""
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else -1


class RiskScanStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE_SCAN_STATUSES = (RiskScanStatus.QUEUED, RiskScanStatus.RUNNING)


class RiskScanTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    PAGE = "page", _("Scan now (page)")
    API = "api", _("API")
    COMMAND = "command", _("Command")
    # A rescoring of the customers whose money changed (risk.rescoring): a scan of a few
    # customers, written done at once; not listed among the scans of every customer.
    CHANGE = "change", _("Money change")


class RiskScanQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_SCAN_STATUSES)

    def done(self):
        return self.filter(status=RiskScanStatus.DONE)

    def full(self):
        """Scans of every active customer (not the rescorings after a money change)."""
        return self.exclude(trigger=RiskScanTrigger.CHANGE)


class RiskScan(models.Model):
    """One run of the scan over every active customer.

    At most one scan is queued or running at a time (a partial unique constraint), so two
    scans are never run at once: asking for a second one while one is under way is refused.
    """

    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RiskScanStatus.choices,
        default=RiskScanStatus.QUEUED,
        db_index=True,
    )
    trigger = models.CharField(_("started by"), max_length=10, choices=RiskScanTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("queued at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The worker running the scan touches this after every slice; a running scan whose
    # heartbeat is older than RISK_SCAN_STALE_AFTER is taken to be dead.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    customers_total = models.PositiveIntegerField(_("customers to scan"), default=0)
    customers_scanned = models.PositiveIntegerField(_("customers scanned"), default=0)
    levels = models.JSONField(_("customers by level"), default=dict, blank=True)
    risers = models.PositiveIntegerField(_("rises to high or critical"), default=0)
    error = models.TextField(_("error"), blank=True)
    # A scan split into partitions run by separate workers (RISK_SCAN_PARTITIONS): the
    # partitions still scoring; the one that brings it to 0 publishes the scan.
    partitions_left = models.PositiveSmallIntegerField(_("partitions left"), default=0)

    objects = RiskScanQuerySet.as_manager()

    class Meta:
        db_table = "billing_riskscan"
        ordering = ["-created_at", "-id"]
        verbose_name = _("risk scan")
        verbose_name_plural = _("risk scans")
        constraints = [
            # One row at most may be queued or running: the expression is 1 for those and
            # NULL otherwise, and NULLs never clash in a unique index.
            models.UniqueConstraint(
                models.Case(
                    models.When(status__in=["queued", "running"], then=models.Value(1)),
                    output_field=models.IntegerField(),
                ),
                name="riskscan_one_active",
                violation_error_message=_("A risk scan is already queued or running."),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_SCAN_STATUSES

    @property
    def progress_percent(self) -> int:
        if self.status == RiskScanStatus.DONE:
            return 100
        if not self.customers_total:
            return 0
        return min(100, round(100 * self.customers_scanned / self.customers_total))

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class RiskAssessmentQuerySet(CustomerScopedQuerySet):
    def published(self):
        """Assessments of finished scans (a running scan's rows are not shown yet)."""
        return self.filter(scan__status=RiskScanStatus.DONE)


class RiskAssessment(models.Model):
    """One customer's score, level and reasons in one scan.

    `level` is what the scan computed; `override_level` the manager's override in force at
    the time (the level shown is the override when there is one); `previous_level` the level
    the customer showed before the scan; `rose` whether the shown level rose into high or
    critical with this scan; `changed` whether the customer's level or score was different
    before it. `reasons` lists the factors that gave points, each `{"factor", "value",
    "points"}`.
    """

    # No database foreign keys: a scan writes one row per active customer every night, and
    # checking both keys row by row doubled the cost of writing them. The rows are written by
    # the scan from the customer table itself, and deletes cascade through Django. No index of
    # their own either: the unique (scan, customer) and the (customer, scan) indexes serve.
    scan = models.ForeignKey(
        RiskScan,
        verbose_name=_("scan"),
        on_delete=models.CASCADE,
        related_name="assessments",
        db_constraint=False,
        db_index=False,
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="risk_assessments",
        db_constraint=False,
        db_index=False,
    )
    scanned_at = models.DateTimeField(_("scanned at"))
    score = models.PositiveSmallIntegerField(_("score"))
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel.choices)
    previous_level = models.CharField(
        _("previous level"), max_length=10, choices=RiskLevel.choices, null=True, blank=True
    )
    override_level = models.CharField(
        _("overridden to"), max_length=10, choices=RiskLevel.choices, null=True, blank=True
    )
    rose = models.BooleanField(_("rose to high or critical"), default=False)
    # Only these rows are copied to the customers when the scan is published.
    changed = models.BooleanField(_("changed the customer's level or score"), default=False)
    reasons = models.JSONField(_("reasons"), default=list)

    objects = RiskAssessmentQuerySet.as_manager()

    class Meta:
        db_table = "billing_riskassessment"
        ordering = ["-scan"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["scan", "customer"], name="riskassessment_one_per_scan"
            ),
        ]
        indexes = [
            # A customer's history, newest first.
            models.Index(fields=["customer", "-scan"], name="riskassessment_customer_idx"),
            # The risers of a scan (few rows): follow-ups, notices, movements.
            models.Index(fields=["scan"], condition=Q(rose=True), name="riskassessment_rose_idx"),
            # The rows of a scan to copy to the customers (few on an ordinary night).
            models.Index(
                fields=["scan"], condition=Q(changed=True), name="riskassessment_changed_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} #{self.scan_id}: {self.score} {self.level}"

    @property
    def shown_level(self) -> str:
        return self.override_level or self.level


class RiskRescoreRequest(models.Model):
    """A customer whose money changed and who waits to be rescored (risk.rescoring): written
    after the change commits, taken and deleted by the rescoring task in the transaction that
    rescores it (a failed rescoring leaves it waiting)."""

    customer_id = models.BigIntegerField(_("customer"), primary_key=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        db_table = "risk_rescorerequest"
        verbose_name = _("risk rescoring request")
        verbose_name_plural = _("risk rescoring requests")

    def __str__(self) -> str:
        return f"{self.customer_id}"


class RiskOverrideEnd(models.TextChoices):
    EXPIRED = "expired", _("Expired")
    REPLACED = "replaced", _("Replaced by a newer override")
    CLEARED = "cleared", _("Ended by hand")


class RiskOverrideQuerySet(CustomerScopedQuerySet):
    def in_force(self, now=None):
        """Overrides that have not ended and have not expired at `now`."""
        return self.filter(ended_at__isnull=True, expires_at__gt=now or timezone.now())


class RiskOverride(models.Model):
    """A manager's or supervisor's judgement replacing the computed level until it expires.

    Never deleted: ended overrides stay as history. At most one per customer is open
    (`ended_at` null); an open override past `expires_at` no longer counts and is closed by
    the scheduled job (`expire_risk_overrides`) and by the scan.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="risk_overrides",
    )
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel.choices)
    reason = models.TextField(_("reason"))
    expires_at = models.DateTimeField(_("expires at"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("set at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(
        _("ended because"), max_length=10, choices=RiskOverrideEnd.choices, blank=True
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = RiskOverrideQuerySet.as_manager()

    class Meta:
        db_table = "billing_riskoverride"
        ordering = ["-created_at", "-id"]
        verbose_name = _("risk override")
        verbose_name_plural = _("risk overrides")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(ended_at__isnull=True),
                name="riskoverride_one_open_per_customer",
            ),
        ]
        indexes = [
            # The open overrides by expiry: what the expiry job and the scan read.
            models.Index(
                fields=["expires_at"],
                condition=Q(ended_at__isnull=True),
                name="riskoverride_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.level} until {self.expires_at:%Y-%m-%d}"

    def is_in_force(self, now=None) -> bool:
        return self.ended_at is None and self.expires_at > (now or timezone.now())
