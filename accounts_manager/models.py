from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel
from common.roles import Role, role_of
from customers.querysets import CustomerScopedQuerySet, customer_scope


class User(AbstractUser):
    """A person or integration client. Roles are groups (see common.roles)."""

    name = models.CharField(_("full name"), max_length=100, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=30, blank=True)
    region = models.ForeignKey(
        "grid.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    supervisor = models.ForeignKey(
        "self",
        verbose_name=_("supervisor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    wecom_userid = models.CharField(
        _("WeCom user ID"),
        max_length=64,
        blank=True,
        help_text=_("The member's UserID in the WeCom address book; empty: no WeCom messages."),
    )

    class Meta:  # AbstractUser.Meta holds only the two names restated here
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["employee_no"],
                condition=~Q(employee_no=""),
                name="user_unique_employee_no",
            ),
            models.UniqueConstraint(
                fields=["wecom_userid"],
                condition=~Q(wecom_userid=""),
                name="user_unique_wecom_userid",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username


class ManagerProfile(TimeStampedModel):
    """What makes a user an account manager: created with the role, kept when they leave."""

    user = models.OneToOneField(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="manager_profile",
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("manager profile")
        verbose_name_plural = _("manager profiles")

    def __str__(self) -> str:
        return str(self.user)


class FollowUpKind(models.TextChoices):
    RISK = "risk", _("Arrears risk")
    PROMISE = "promise", _("Payment promise")
    COLLECTION = "collection", _("Collection")
    RECONNECTION = "reconnection", _("Reconnection")
    OUTAGE_UNREACHABLE = "outage_unreachable", _("Outage: customer unreachable")
    OUTAGE_CONFIRM_CALL = "outage_confirm_call", _("Outage: confirm by phone")
    COMPLAINT = "complaint", _("Complaint")
    SATISFACTION = "satisfaction", _("Low satisfaction")
    VISIT = "visit", _("Visit")
    CONNECTION = "connection", _("Connection project")
    SUPPLY_QUALITY = "supply_quality", _("Supply quality")
    SERVICE_PLAN = "service_plan", _("Service plan review")
    OTHER = "other", _("Other")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpQuerySet(CustomerScopedQuerySet):
    def visible_to(self, user):

        # A manager sees the follow-ups in their own queue, including those of customers that
        # were handed to them; others see follow-ups of the customers they see.
        if role_of(user) == Role.ACCOUNT_MANAGER:
            return self.filter(manager_id=user.pk)
        return self.filter(customer_scope(user, "customer"))

    def open(self):
        return self.filter(status=FollowUpStatus.OPEN)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())


class FollowUp(TimeStampedModel):
    """One item of a manager's work queue ("my day"), raised by any part of the product.

    `source` says what raised it (`complaint:42`, `promise:7`); at most one open follow-up
    exists per customer, kind and source, so raising it again is a no-op.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="followups",
    )
    manager = models.ForeignKey(
        User,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=FollowUpKind.choices)
    due_at = models.DateTimeField(_("due at"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.OPEN,
        db_index=True,
    )
    summary = models.CharField(_("summary"), max_length=500)
    source = models.CharField(_("source"), max_length=100, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "source"],
                condition=Q(status="open"),
                name="followup_one_open_per_source",
            ),
        ]
        indexes = [
            # Delta sync (`?updated_since=`, `?cursor=`): rows in the order of their last change.
            models.Index(fields=["updated_at", "id"], name="followup_sync_idx"),
            models.Index(fields=["manager", "status", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"

    @property
    def is_overdue(self) -> bool:
        return self.status == FollowUpStatus.OPEN and self.due_at < timezone.now()


class NoticeQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient_id=user.pk)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(TimeStampedModel):
    """An in-app notice to one user (supervisors hear of risk rises, breaches, repeats).

    `key` makes raising it idempotent: at most one notice per recipient and key.
    """

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notices"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(_("key"), max_length=150)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notice_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title


# --- 企业微信 (WeCom) application messages to staff ---------------------------------------------


class NoticeCategory(models.TextChoices):
    """What a staff notice is about; each user chooses which ones also reach them on 企业微信."""

    FOLLOWUP = "followup", _("New follow-ups")
    ESCALATION = "escalation", _("Escalations")
    APPROVAL = "approval", _("Approvals waiting")
    OTHER = "other", _("Other notices")


class WeComPreference(TimeStampedModel):
    """Which notices a user also receives as 企业微信 应用消息. No row: the defaults below."""

    user = models.OneToOneField(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="wecom_preference",
    )
    followups = models.BooleanField(_("new follow-ups"), default=True)
    escalations = models.BooleanField(_("escalations"), default=True)
    approvals = models.BooleanField(_("approvals waiting"), default=True)
    other = models.BooleanField(_("other notices"), default=False)

    FIELD_OF = {
        NoticeCategory.FOLLOWUP: "followups",
        NoticeCategory.ESCALATION: "escalations",
        NoticeCategory.APPROVAL: "approvals",
        NoticeCategory.OTHER: "other",
    }

    class Meta:
        verbose_name = _("WeCom preference")
        verbose_name_plural = _("WeCom preferences")

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, category: str) -> bool:
        return bool(getattr(self, self.FIELD_OF[NoticeCategory(category)]))


class WeComMessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WeComMessage(TimeStampedModel):
    """One 企业微信 应用消息 to one user, recorded by the service that raised the event and sent
    by a task after the commit (accounts_manager.staff_messages).

    `key` names the event (`followup:12`, `notice:complaint:4:escalation:1`): at most one
    message per recipient and key, so raising the event again sends nothing more.
    """

    recipient = models.ForeignKey(
        User,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="wecom_messages",
    )
    key = models.CharField(_("key"), max_length=170)
    category = models.CharField(_("category"), max_length=20, choices=NoticeCategory.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WeComMessageStatus.choices,
        default=WeComMessageStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    msgid = models.CharField(_("message id"), max_length=100, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("WeCom message")
        verbose_name_plural = _("WeCom messages")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="wecom_message_unique_key"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="wecom_message_due_idx",
            ),
            models.Index(fields=["status", "updated_at"], name="wecom_message_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"
