"""Bills, payments and their allocations, collection actions, promises and disconnections.

Money is `Decimal` with two places. A bill's paid amount, outstanding amount and status are
derived from its allocations (see `BillQuerySet.with_amounts`); `Bill.settled_on` only records
the day the bill became fully paid, so the open bills of 200k customers can be found through a
small partial index instead of aggregating every allocation ever made.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.querysets import (
    OPEN_BILL,
    OWING_BILL,
    BillQuerySet,
    CollectionActionQuerySet,
    CustomerBalanceQuerySet,
    DisconnectionQuerySet,
    PaymentAllocationQuerySet,
    PaymentPromiseQuerySet,
    PaymentQuerySet,
)
from common.models import TimeStampedModel
from common.moments import period_label
from common.transitions import StateMachine


class DecimalShape(TypedDict):
    """The `max_digits` and `decimal_places` of a `DecimalField`, spread into it with `**`."""

    max_digits: int
    decimal_places: int


MONEY: DecimalShape = {"max_digits": 14, "decimal_places": 2}
KWH: DecimalShape = {"max_digits": 14, "decimal_places": 2}
POSITIVE = [MinValueValidator(Decimal("0.01"))]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class BillStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("bill status", "Open")
    PARTIALLY_PAID = "partially_paid", pgettext_lazy("bill status", "Partially paid")
    PAID = "paid", pgettext_lazy("bill status", "Paid")
    WRITTEN_OFF = "written_off", pgettext_lazy("bill status", "Written off")


class TariffCategory(models.TextChoices):
    """The price category the bill was charged at (电价类别), as the billing system sends it.

    Only `residential` changes a rule here: its late-payment charge rate (see docs/billing.md).
    """

    LARGE_INDUSTRIAL = "large_industrial", _("Large industrial")
    GENERAL_COMMERCIAL = "general_commercial", _("General industrial and commercial")
    RESIDENTIAL = "residential", _("Residential")
    AGRICULTURAL = "agricultural", _("Agricultural")


class Bill(TimeStampedModel):
    """One customer's electricity bill for one month, as pushed by the billing system."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="bills",
    )
    period = models.DateField(_("billing period"), help_text=_("The first day of the month."))
    tariff_category = models.CharField(
        _("tariff category"),
        max_length=20,
        choices=TariffCategory.choices,
        default=TariffCategory.LARGE_INDUSTRIAL,
    )
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    energy_kwh = models.DecimalField(_("energy (kWh)"), **KWH, validators=NON_NEGATIVE)
    peak_kwh = models.DecimalField(
        _("peak energy (kWh)"), **KWH, validators=NON_NEGATIVE, default=Decimal("0")
    )
    flat_kwh = models.DecimalField(
        _("flat energy (kWh)"), **KWH, validators=NON_NEGATIVE, default=Decimal("0")
    )
    valley_kwh = models.DecimalField(
        _("valley energy (kWh)"), **KWH, validators=NON_NEGATIVE, default=Decimal("0")
    )
    basic_charge = models.DecimalField(
        _("basic charge"), **MONEY, validators=NON_NEGATIVE, default=Decimal("0")
    )
    energy_charge = models.DecimalField(_("energy charge"), **MONEY, validators=NON_NEGATIVE)
    power_factor_adjustment = models.DecimalField(
        _("power factor adjustment"), **MONEY, default=Decimal("0")
    )
    other_charges = models.DecimalField(
        _("other charges"),
        **MONEY,
        validators=NON_NEGATIVE,
        default=Decimal("0"),
        help_text=_("Government funds and surcharges (政府性基金及附加) and similar items."),
    )
    total = models.DecimalField(_("total"), **MONEY, validators=NON_NEGATIVE)
    # The sum of the bill's allocations, kept by the database (triggers of migration 0008) in
    # the same statement as the allocations; the code never writes it (an UPDATE from the code
    # leaves it as it was). `with_amounts()` reads it, so that the status and the amount
    # outstanding are arithmetic on the row, and the lists filter and sort on them.
    paid_total = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"), editable=False)
    # The day the bill became fully paid (the date of the payment that completed it); kept by
    # the allocation services together with the allocations, under the customer's row lock.
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    written_off_at = models.DateTimeField(_("written off at"), null=True, blank=True)
    written_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written off by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    write_off_reason = models.CharField(_("write-off reason"), max_length=300, blank=True)

    objects = BillQuerySet.as_manager()

    class Meta:
        ordering = ["customer_id", "-period"]
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        constraints = [
            # Covering what the risk scan reads of every bill (risk.selectors.feature_sql), so
            # that its slices read this index in customer order (an index-only scan, no sort)
            # instead of the table: 40 % less per slice on the bench data.
            models.UniqueConstraint(
                fields=["customer", "period"],
                include=["due_date", "total", "energy_kwh", "settled_on", "written_off_at"],
                name="bill_unique_customer_period",
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="bill_period_first_day"),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("issue_date")), name="bill_due_after_issue"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="bill_total_not_negative"),
        ]
        indexes = [
            # Delta sync (`?updated_since=`, `?cursor=`): rows in the order of their last change.
            models.Index(fields=["updated_at", "id"], name="bill_sync_idx"),
            models.Index(fields=["period"], name="bill_period_idx"),
            # The API's orderings (`?ordering=`, with the id breaking ties): first and deep pages
            # read the index instead of sorting the table.
            models.Index(fields=["-period", "customer", "id"], name="bill_period_order"),
            models.Index(fields=["period", "id"], name="bill_period_id_order"),
            models.Index(fields=["due_date", "id"], name="bill_due_date_order"),
            models.Index(fields=["total", "id"], name="bill_total_order"),
            models.Index(fields=["issue_date", "id"], name="bill_issue_date_order"),
            # The bills that still owe something (open or partially paid): few at any scale.
            models.Index(
                fields=["id"],
                condition=OWING_BILL,
                name="bill_owing_idx",
            ),
            # The open bills: what arrears, aging and allocation read. Small at any scale.
            models.Index(
                fields=["customer", "due_date"], condition=OPEN_BILL, name="bill_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.period_label}"

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def is_residential(self) -> bool:
        return self.tariff_category == TariffCategory.RESIDENTIAL


class PaymentChannel(models.TextChoices):
    BANK = "bank", _("Bank")
    COUNTER = "counter", _("Counter")
    ONLINE = "online", _("Online")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")


class Payment(TimeStampedModel):
    """Money received from a customer. Unique per channel and external reference."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE)
    paid_at = models.DateTimeField(_("paid at"))
    channel = models.CharField(_("channel"), max_length=10, choices=PaymentChannel.choices)
    reference = models.CharField(_("reference"), max_length=100)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reversed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reversal_reason = models.CharField(_("reversal reason"), max_length=300, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-paid_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "reference"], name="payment_unique_channel_reference"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            # Delta sync (`?updated_since=`, `?cursor=`): rows in the order of their last change.
            models.Index(fields=["updated_at", "id"], name="payment_sync_idx"),
            models.Index(fields=["customer", "paid_at"], name="payment_customer_idx"),
            # The API's orderings (`?ordering=`, with the id breaking ties): first and deep pages
            # read the index instead of sorting the table.
            models.Index(fields=["paid_at", "id"], name="payment_paid_at_order"),
            models.Index(fields=["amount", "id"], name="payment_amount_order"),
            # The API's filters `?reference=` (without the channel) and `?reversed=true`.
            models.Index(fields=["reference"], name="payment_reference_idx"),
            models.Index(
                fields=["id"], condition=Q(reversed_at__isnull=False), name="payment_reversed_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.reference} ¥{self.amount}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class PaymentAllocation(models.Model):
    """The part of a payment that settles a bill. A reversal deletes its payment's rows."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.CASCADE, related_name="allocations"
    )
    bill = models.ForeignKey(
        Bill, verbose_name=_("bill"), on_delete=models.PROTECT, related_name="allocations"
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PaymentAllocationQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        constraints = [
            models.UniqueConstraint(fields=["payment", "bill"], name="allocation_unique_pair"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.bill_id}: {self.amount}"


class ActionKind(models.TextChoices):
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Visit")
    SMS = "sms", _("SMS reminder")
    PAYMENT_REMINDER = "payment_reminder", _("Written payment reminder (催费通知书)")
    DISCONNECTION_NOTICE = "disconnection_notice", _("Disconnection notice (停电通知书)")


# Written notices whose delivery must be recorded.
WRITTEN_NOTICES = (ActionKind.PAYMENT_REMINDER, ActionKind.DISCONNECTION_NOTICE)
# Actions that urge the customer to pay (a prerequisite of a disconnection).
URGING_ACTIONS = (ActionKind.CALL, ActionKind.VISIT, ActionKind.SMS, ActionKind.PAYMENT_REMINDER)
# Actions that count as the second reminder shortly before a cut.
LAST_REMINDER_ACTIONS = (ActionKind.CALL, ActionKind.SMS, ActionKind.VISIT)


class DeliveryMethod(models.TextChoices):
    IN_PERSON = "in_person", _("Handed over in person")
    REGISTERED_MAIL = "registered_mail", _("Registered mail")
    POSTED = "posted", _("Posted at the premises")
    ELECTRONIC = "electronic", _("Electronic delivery")


class CollectionAction(TimeStampedModel):
    """A step taken to collect arrears: a call, visit, SMS, written reminder or notice."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="collection_actions",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ActionKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    outcome = models.TextField(_("outcome"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_method = models.CharField(
        _("delivery method"), max_length=20, choices=DeliveryMethod.choices, blank=True
    )
    delivered_to = models.CharField(_("received by"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CollectionActionQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("collection action")
        verbose_name_plural = _("collection actions")
        indexes = [
            models.Index(fields=["customer", "kind", "at"], name="action_customer_idx"),
            # The API's default order (`-at`, `-id`), first and deep pages.
            models.Index(fields=["at", "id"], name="action_at_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(delivered_at__gte=models.F("at")),
                name="action_delivered_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class PromiseStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("promise status", "Pending")
    KEPT = "kept", pgettext_lazy("promise status", "Kept")
    BROKEN = "broken", pgettext_lazy("promise status", "Broken")


class PaymentPromise(TimeStampedModel):
    """A customer's promise to pay `amount` by `due_date`, checked automatically."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="payment_promises",
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.PENDING
    )
    promised_by = models.CharField(_("promised by"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What had been paid towards it when it was marked kept or broken.
    paid_amount = models.DecimalField(_("paid towards it"), **MONEY, null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = PaymentPromiseQuerySet.as_manager()

    class Meta:
        ordering = ["-due_date", "-id"]
        verbose_name = _("payment promise")
        verbose_name_plural = _("payment promises")
        indexes = [models.Index(fields=["status", "due_date"], name="promise_status_due_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"¥{self.amount} by {self.due_date}"


class DisconnectionStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("disconnection status", "Requested")
    APPROVED = "approved", pgettext_lazy("disconnection status", "Approved")
    EXECUTED = "executed", pgettext_lazy("disconnection status", "Executed")
    CANCELLED = "cancelled", pgettext_lazy("disconnection status", "Cancelled")
    RECONNECTED = "reconnected", pgettext_lazy("disconnection status", "Reconnected")


D = DisconnectionStatus
# The one map of allowed status changes: action -> (statuses it may be taken from, new status).
# Checked by billing.disconnections._transition; the detail page shows the allowed actions.
DISCONNECTION_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({D.REQUESTED}), D.APPROVED),
    "execute": (frozenset({D.APPROVED}), D.EXECUTED),
    "cancel": (frozenset({D.REQUESTED, D.APPROVED}), D.CANCELLED),
    "reconnect": (frozenset({D.EXECUTED}), D.RECONNECTED),
}
DISCONNECTION_MACHINE = StateMachine(
    DisconnectionStatus,
    DISCONNECTION_TRANSITIONS,
    refusal=_("A disconnection that is %(status)s cannot become %(target)s."),
)
ACTIVE_DISCONNECTION = (
    DisconnectionStatus.REQUESTED,
    DisconnectionStatus.APPROVED,
    DisconnectionStatus.EXECUTED,
)


class Disconnection(TimeStampedModel):
    """A disconnection for arrears (欠费停电) and its evidence."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="disconnections",
    )
    scheduled_for = models.DateField(_("scheduled for"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DisconnectionStatus.choices,
        default=DisconnectionStatus.REQUESTED,
        db_index=True,
    )
    notice = models.ForeignKey(
        CollectionAction,
        verbose_name=_("disconnection notice"),
        on_delete=models.PROTECT,
        related_name="disconnections",
    )
    reason = models.TextField(_("reason"), blank=True)
    # The arrears when it was requested, kept as evidence.
    arrears_amount = models.DecimalField(_("arrears when requested"), **MONEY)
    oldest_due_date = models.DateField(_("oldest unpaid due date when requested"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
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
    authority_informed_at = models.DateTimeField(
        _("power authority informed at"), null=True, blank=True
    )
    last_reminder = models.ForeignKey(
        CollectionAction,
        verbose_name=_("last reminder before the cut"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    arrears_cleared_at = models.DateTimeField(_("arrears paid at"), null=True, blank=True)
    reconnect_due = models.DateTimeField(_("reconnection due"), null=True, blank=True)
    reconnected_at = models.DateTimeField(_("reconnected at"), null=True, blank=True)
    reconnected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reconnected by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = DisconnectionQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        verbose_name = _("disconnection")
        verbose_name_plural = _("disconnections")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=["requested", "approved", "executed"]),
                name="disconnection_one_active_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.scheduled_for} ({self.status})"

    def allows(self, action: str) -> bool:
        """Whether `action` is allowed in the current status (roles are checked elsewhere)."""
        return DISCONNECTION_MACHINE.allowed(self.status, action)

    @property
    def reconnection_overdue(self) -> bool:
        if self.reconnect_due is None:
            return False
        end = self.reconnected_at or timezone.now()
        return end > self.reconnect_due


class DisconnectionEvent(models.Model):
    """One state change of a disconnection: the audit trail printed in its evidence."""

    disconnection = models.ForeignKey(
        Disconnection,
        verbose_name=_("disconnection"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=DisconnectionStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=DisconnectionStatus.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("disconnection event")
        verbose_name_plural = _("disconnection events")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class BlockedDate(models.Model):
    """A date on which no disconnection may be carried out, set by an administrator."""

    date = models.DateField(_("date"), unique=True)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("blocked date")
        verbose_name_plural = _("blocked dates")

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class ImportKind(models.TextChoices):
    BILLS = "bills", _("Bills")
    PAYMENTS = "payments", _("Payments")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", pgettext_lazy("import status", "Checking")
    PREVIEWED = "previewed", pgettext_lazy("import status", "Previewed")
    IMPORTING = "importing", pgettext_lazy("import status", "Importing")
    COMMITTED = "committed", pgettext_lazy("import status", "Committed")
    DISCARDED = "discarded", pgettext_lazy("import status", "Discarded")
    FAILED = "failed", pgettext_lazy("import status", "Failed")


# A batch being checked or written by a task: its page shows the progress.
ACTIVE_IMPORT_STATUSES = (ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ImportBatch(TimeStampedModel):
    """An uploaded CSV/Excel file of bills or payments: checked, previewed, then committed.

    `source` keeps the file as uploaded (a task reads it); `rows` only the first rows, with
    their `outcomes`, for the preview table; `errors` every problem. While a task checks or
    writes the file, `rows_done` of `rows_total` is its progress.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    source = models.BinaryField(_("file"), null=True, blank=True, editable=False)
    rows = models.JSONField(_("rows"), default=list)
    outcomes = models.JSONField(_("outcomes"), default=list, blank=True)
    errors = models.JSONField(_("errors"), default=list)
    partial = models.BooleanField(_("good rows only"), default=False)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    failure = models.TextField(_("failure"), blank=True)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_IMPORT_STATUSES

    @property
    def progress_percent(self) -> int:
        if not self.is_active:
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class RowCount(models.Model):
    """How many bills or payments a region has, kept as deltas by database triggers.

    Every statement that inserts or deletes bills or payments (or moves them, or moves a customer
    to another region) adds one row per region it touched with the change in `n`; the number of
    rows of a table in a region is the sum of `n`, exact in every transaction as the rows
    themselves. A job folds the deltas (`billing.counts`). Maintained by the triggers of
    migration 0007, never by the code; the lists read it instead of counting millions of rows.
    """

    table = models.CharField(max_length=63)
    region_id = models.IntegerField(null=True)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["table", "region_id"], name="rowcount_table_idx")]
        verbose_name = _("row count")
        verbose_name_plural = _("row counts")

    def __str__(self) -> str:
        return f"{self.table} {self.region_id}: {self.n}"


ARREARS_AMOUNTS = (
    "outstanding",
    "overdue",
    "aging_1_30",
    "aging_31_60",
    "aging_61_90",
    "aging_over_90",
)


class CustomerBalance(models.Model):
    """A customer's money position, kept by `billing.balances` in the transaction of every write
    to their bills, payments and allocations (under the customer's row lock), and checked
    against the rows every night (`ReconciliationRun`).

    `outstanding`, `credit`, `open_bills` and `oldest_open_due` do not depend on the day. The
    overdue amount and the aging buckets do: they are figures as of `computed_on` and hold
    until `changes_on`, the first day an open bill falls due or moves to an older bucket
    (None: never, the customer has no open bill). A row outside that window is stale and is
    recomputed (nightly, and by a reader that finds one) before it is read.
    """

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="balance",
    )
    outstanding = models.DecimalField(_("outstanding"), **MONEY, default=Decimal("0"))
    credit = models.DecimalField(_("credit"), **MONEY, default=Decimal("0"))
    open_bills = models.PositiveIntegerField(_("open bills"), default=0)
    oldest_open_due = models.DateField(_("oldest open due date"), null=True, blank=True)
    computed_on = models.DateField(_("computed on"))
    changes_on = models.DateField(_("figures change on"), null=True, blank=True)
    # `oldest_open_due` when it had passed on `computed_on`, else None. Within the window it
    # equals "in arrears today" (no open bill falls due inside it), so the arrears list reads
    # small partial indexes over the customers in arrears only.
    arrears_since = models.DateField(_("in arrears since"), null=True, blank=True)
    overdue = models.DecimalField(_("overdue"), **MONEY, default=Decimal("0"))
    aging_1_30 = models.DecimalField(_("1–30 days"), **MONEY, default=Decimal("0"))
    aging_31_60 = models.DecimalField(_("31–60 days"), **MONEY, default=Decimal("0"))
    aging_61_90 = models.DecimalField(_("61–90 days"), **MONEY, default=Decimal("0"))
    aging_over_90 = models.DecimalField(_("Over 90 days"), **MONEY, default=Decimal("0"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerBalanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer balance")
        verbose_name_plural = _("customer balances")
        indexes = [
            # The arrears list: the customers in arrears, in each order the list offers, read
            # forwards or backwards (billing.selectors.order_arrears). Index-only scans of the
            # customers in arrears alone, however deep the page.
            # The amounts are included so the `aging` and `min_outstanding` filters and their
            # counts stay index-only too.
            *(
                models.Index(
                    fields=[column, "customer"],
                    condition=Q(arrears_since__isnull=False),
                    include=[name for name in ARREARS_AMOUNTS if name != column],
                    name=f"balance_{column}_idx",
                )
                for column in ("arrears_since", "outstanding", "overdue")
            ),
            # The stale rows (figures past their window): none on a normal day.
            models.Index(fields=["changes_on"], name="balance_changes_on_idx"),
            models.Index(fields=["computed_on"], name="balance_computed_on_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: ¥{self.outstanding}"


class ReconciliationRun(models.Model):
    """One nightly check of the customer balances against the rows, and what it repaired."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    customers_checked = models.PositiveIntegerField(_("customers checked"), default=0)
    drift_count = models.PositiveIntegerField(_("customers with drift"), default=0)
    drift_total = models.DecimalField(
        _("sum of absolute drift"),
        **MONEY,
        default=Decimal("0"),
        help_text=_("Outstanding and credit differences, added up as absolute amounts."),
    )
    # Up to DRIFT_DETAIL_LIMIT customers: {"customer", "field", "kept", "actual"}.
    drift = models.JSONField(_("drift found"), default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("balance reconciliation")
        verbose_name_plural = _("balance reconciliations")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.drift_count})"
