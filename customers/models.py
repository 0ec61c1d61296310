from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel
from customers.querysets import CustomerQuerySet, CustomerScopedQuerySet
from customers.validators import credit_code_problem, normalize_credit_code, normalize_mobile
from grid.models import Region


class Segment(models.TextChoices):
    INDUSTRIAL = "industrial", _("Industrial")
    COMMERCIAL = "commercial", _("Commercial")
    GOVERNMENT = "government", _("Government")
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("School")
    TRANSPORT = "transport", _("Transport")
    DATA_CENTER = "data_center", _("Data centre")
    OTHER = "other", _("Other")


class Importance(models.TextChoices):
    """重要电力用户 classes (GB/T 29328) plus ordinary customers."""

    SPECIAL = "special", _("Special class")
    LEVEL1 = "level1", _("Level 1")
    LEVEL2 = "level2", _("Level 2")
    TEMPORARY = "temporary", _("Temporary important")
    NORMAL = "normal", _("Ordinary")


IMPORTANT_CLASSES = (
    Importance.SPECIAL,
    Importance.LEVEL1,
    Importance.LEVEL2,
    Importance.TEMPORARY,
)


class Tariff(models.TextChoices):
    TWO_PART = "two_part", _("Two-part (large industrial)")
    SINGLE_PART = "single_part", _("Single-part (general commercial)")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Customer(TimeStampedModel):
    account_no = models.CharField(
        _("account number"),
        max_length=32,
        unique=True,
        help_text=_("户号 — unique and never changed once created."),
    )
    name = models.CharField(_("name"), max_length=200, db_index=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    credit_code_override = models.CharField(
        _("credit code check override"),
        max_length=300,
        blank=True,
        help_text=_(
            "Reason for accepting an old code whose check character does not verify. "
            "Leave empty for a valid code."
        ),
    )
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices)
    importance = models.CharField(
        _("importance class"), max_length=20, choices=Importance.choices, default="normal"
    )
    voltage_kv = models.DecimalField(
        _("voltage (kV)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.22"))],
    )
    contract_capacity_kva = models.DecimalField(
        _("contracted capacity (kVA)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    typical_daily_load_kw = models.DecimalField(
        _("typical daily load (kW)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        default=Decimal("0"),
    )
    tariff = models.CharField(_("tariff"), max_length=20, choices=Tariff.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="customers"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CustomerStatus.choices,
        default=CustomerStatus.ACTIVE,
        db_index=True,
    )
    has_backup_generator = models.BooleanField(_("has own emergency generator"), default=False)
    backup_capacity_kw = models.DecimalField(
        _("generator capacity (kW)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    # Filled by the arrears-risk scan (billing); null before the first scan.
    risk_level = models.CharField(
        _("risk level"),
        max_length=10,
        choices=RiskLevel.choices,
        null=True,
        blank=True,
        db_index=True,
    )
    risk_score = models.PositiveSmallIntegerField(_("risk score"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["account_no"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            # Delta sync (`?updated_since=`, `?cursor=`): rows in the order of their last change.
            models.Index(fields=["updated_at", "id"], name="customer_sync_idx"),
            models.Index(fields=["region", "status"]),
            # The API's orderings (`?ordering=`, with the id breaking ties): first and deep pages
            # read the index instead of sorting the table.
            models.Index(fields=["account_no", "id"], name="customer_account_no_order"),
            models.Index(fields=["risk_score", "id"], name="customer_risk_score_order"),
            models.Index(fields=["contract_capacity_kva", "id"], name="customer_capacity_order"),
            models.Index(fields=["voltage_kv", "id"], name="customer_voltage_order"),
            # Rows made together (an import) share their creation time: without the id in the
            # index, PostgreSQL sorts all of them to order by it.
            models.Index(fields=["created_at", "id"], name="customer_created_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(has_backup_generator=True) | Q(backup_capacity_kw__isnull=True),
                name="customer_backup_capacity_needs_generator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_no} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def is_important(self) -> bool:
        return self.importance in IMPORTANT_CLASSES

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, str | Promise] = {}
        self.credit_code = normalize_credit_code(self.credit_code)
        problem = credit_code_problem(self.credit_code)
        if problem:
            kind, message = problem
            if kind != "checksum":
                errors["credit_code"] = message
            elif not self.credit_code_override.strip():
                errors["credit_code"] = f"{message} " + str(
                    _("If this is a genuine old code, record the reason in the override field.")
                )
        if self.has_backup_generator and self.backup_capacity_kw is None:
            errors["backup_capacity_kw"] = _("Give the generator's capacity.")
        if not self.has_backup_generator and self.backup_capacity_kw is not None:
            errors["backup_capacity_kw"] = _("Only a customer with a generator has a capacity.")
        if errors:
            raise ValidationError(errors)


class ContactRole(models.TextChoices):
    LEGAL = "legal", _("Legal representative")
    ELECTRICAL = "electrical", _("Electrical lead")
    FINANCE = "finance", _("Finance")
    EMERGENCY = "emergency", _("Emergency contact")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class ContactLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class ContactQuerySet(CustomerScopedQuerySet):
    pass


class Contact(TimeStampedModel):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, default=Channel.SMS
    )
    language = models.CharField(
        _("language"), max_length=10, choices=ContactLanguage.choices, default="zh-hans"
    )
    receives_outage_notices = models.BooleanField(_("receives outage notices"), default=True)
    receives_billing_notices = models.BooleanField(_("receives billing notices"), default=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["customer_id", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, list[str | Promise]] = {}
        if self.mobile:
            try:
                self.mobile = normalize_mobile(self.mobile)
            except ValidationError as exc:
                errors["mobile"] = list(exc.messages)
        if self.preferred_channel == Channel.SMS and not self.mobile:
            errors.setdefault("mobile", []).append(_("SMS is preferred, so give a mobile number."))
        if self.preferred_channel == Channel.EMAIL and not self.email:
            errors["email"] = [_("E-mail is preferred, so give an e-mail address.")]
        if errors:
            raise ValidationError(errors)

    @property
    def is_reachable(self) -> bool:
        return bool(self.mobile or self.email)


class SupplyPointQuerySet(CustomerScopedQuerySet):
    pass


class SupplyPoint(models.Model):
    """A feeder a customer is supplied from; a dual-supply customer has two or more."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="supply_points",
    )
    feeder = models.ForeignKey(
        "grid.Feeder",
        verbose_name=_("feeder"),
        on_delete=models.PROTECT,
        related_name="supply_points",
    )
    is_primary = models.BooleanField(_("primary supply"), default=False)

    history = HistoricalRecords()
    objects = SupplyPointQuerySet.as_manager()

    class Meta:
        ordering = ["customer_id", "-is_primary", "id"]
        verbose_name = _("supply point")
        verbose_name_plural = _("supply points")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "feeder"], name="supply_point_unique_feeder"
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_primary=True),
                name="supply_point_one_primary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} ← {self.feeder_id}{' *' if self.is_primary else ''}"


# --- portfolios: which manager a customer has, and since when ------------------------------


class AssignmentQuerySet(CustomerScopedQuerySet):
    def open(self):
        return self.filter(end__isnull=True)


class Assignment(TimeStampedModel):
    """One customer's account manager from `start` until `end` (inclusive; open while null)."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        # The table of the app portfolios were first kept in (accounts_manager).
        db_table = "accounts_manager_assignment"
        ordering = ["customer_id", "-start", "-id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(end__isnull=True),
                name="assignment_one_open_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="assignment_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["manager", "end"]),
            # The API's orderings (`?ordering=`, with the id breaking ties): first and deep pages
            # read the index instead of sorting the table.
            models.Index(fields=["start", "id"], name="assignment_start_order"),
            models.Index(fields=["end", "id"], name="assignment_end_order"),
            models.Index(fields=["created_at", "id"], name="assignment_created_order"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.manager_id} ({self.start}–{self.end or ''})"

    @property
    def is_open(self) -> bool:
        return self.end is None
