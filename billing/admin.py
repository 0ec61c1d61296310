from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from billing import services
from billing.models import (
    Bill,
    BlockedDate,
    CollectionAction,
    CustomerBalance,
    Disconnection,
    DisconnectionEvent,
    ImportBatch,
    Payment,
    PaymentAllocation,
    PaymentPromise,
    ReconciliationRun,
)
from common.admin_access import ReadOnlyAdmin
from common.errors import DomainError


@admin.register(BlockedDate)
class BlockedDateAdmin(admin.ModelAdmin):
    """Dates on which no disconnection may be carried out (besides weekends and holidays)."""

    list_display = ["date", "reason"]
    search_fields = ["reason"]
    date_hierarchy = "date"


class AllocationInline(admin.TabularInline):
    model = PaymentAllocation
    extra = 0
    can_delete = False
    readonly_fields = ["payment", "bill", "amount", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Bill)
class BillAdmin(admin.ModelAdmin):
    """Bills come from the billing system; here they can be looked up and written off."""

    list_display = ["customer", "period", "total", "due_date", "settled_on", "written_off_at"]
    list_filter = ["tariff_category", "period"]
    search_fields = ["customer__account_no", "customer__name"]
    raw_id_fields = ["customer", "written_off_by"]
    readonly_fields = ["settled_on", "written_off_at", "written_off_by", "created_at", "updated_at"]
    inlines = [AllocationInline]
    actions = ["write_off"]

    def has_change_permission(self, request, obj=None):
        # Amounts change only through an import, which keeps the allocations consistent.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Write off the selected bills (reason: administrator)"))
    def write_off(self, request, queryset):
        done = 0
        for bill in queryset:
            try:
                services.write_off_bill(
                    bill,
                    reason=str(_("Written off by an administrator")),
                    acting_user=request.user,
                )
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{bill}: {exc.message}", messages.WARNING)
        self.message_user(request, _("%(n)d bills written off.") % {"n": done})


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["customer", "amount", "paid_at", "channel", "reference", "reversed_at"]
    list_filter = ["channel"]
    search_fields = ["reference", "customer__account_no", "customer__name"]
    raw_id_fields = ["customer", "recorded_by", "reversed_by"]
    inlines = [AllocationInline]


@admin.register(CollectionAction)
class CollectionActionAdmin(ReadOnlyAdmin):
    list_display = ["customer", "kind", "at", "delivered_at", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["customer__account_no", "customer__name", "outcome"]
    raw_id_fields = ["customer", "recorded_by"]


@admin.register(PaymentPromise)
class PaymentPromiseAdmin(ReadOnlyAdmin):
    list_display = ["customer", "amount", "due_date", "status", "resolved_at"]
    list_filter = ["status"]
    search_fields = ["customer__account_no", "customer__name"]
    raw_id_fields = ["customer", "recorded_by"]


class DisconnectionEventInline(admin.TabularInline):
    model = DisconnectionEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "at", "by", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Disconnection)
class DisconnectionAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        "scheduled_for",
        "status",
        "approved_by",
        "executed_at",
        "reconnect_due",
        "reconnected_at",
    ]
    list_filter = ["status"]
    search_fields = ["customer__account_no", "customer__name"]
    inlines = [DisconnectionEventInline]

    def has_change_permission(self, request, obj=None):
        # Status changes go through the procedure (pages and API), never a raw edit.
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "kind",
        "status",
        "uploaded_by",
        "created_at",
        "created_count",
        "updated_count",
        "unchanged_count",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = ["rows", "outcomes", "errors", "rows_total", "rows_done", "failure"]

    def has_add_permission(self, request):
        return False


@admin.register(CustomerBalance)
class CustomerBalanceAdmin(ReadOnlyAdmin):
    """Kept by the billing services; repaired by the nightly reconciliation, never by hand."""

    list_display = [
        "customer",
        "outstanding",
        "credit",
        "oldest_open_due",
        "open_bills",
        "updated_at",
    ]
    search_fields = ["customer__account_no", "customer__name"]
    raw_id_fields = ["customer"]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    """The nightly checks of the balances against the rows, and the drift each repaired."""

    list_display = ["started_at", "finished_at", "customers_checked", "drift_count", "drift_total"]
    date_hierarchy = "started_at"
