from django.contrib import admin

from common.admin_access import ReadOnlyAdmin
from complaints.models import (
    CallbackAttempt,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    DeadlineRule,
    TicketCounter,
)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    """The SLA table: administrators edit the hours and working days per category/severity.

    A change applies to tickets received (or reopened) afterwards; the deadlines of existing
    tickets were stored when they were received.
    """

    list_display = [
        "category",
        "severity",
        "ack_hours",
        "resolve_working_days",
        "ack_warning_minutes",
        "resolve_warning_hours",
    ]
    list_editable = [
        "ack_hours",
        "resolve_working_days",
        "ack_warning_minutes",
        "resolve_warning_hours",
    ]
    list_filter = ["category", "severity"]


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "from_status", "to_status", "message")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    """Read-only: tickets change only through their actions (pages and API), which keep the
    event trail."""

    list_display = [
        "ticket_no",
        "customer",
        "category",
        "severity",
        "status",
        "assignee",
        "received_at",
        "resolve_due",
        "breached",
        "is_repeat",
        "escalation_level",
    ]
    list_filter = [
        "status",
        "category",
        "severity",
        "channel",
        "breached",
        "is_repeat",
        "closed_without_callback",
    ]
    search_fields = ["ticket_no", "external_ref", "customer__name", "customer__account_no"]
    list_select_related = ["customer", "assignee"]
    date_hierarchy = "received_at"
    inlines = [EventInline]


@admin.register(CallbackAttempt)
class CallbackAttemptAdmin(admin.ModelAdmin):
    list_display = ["complaint", "at", "by", "reached", "satisfaction", "solved"]
    list_filter = ["reached", "solved", "satisfaction"]
    list_select_related = ["complaint", "by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ComplaintAttachment)
class ComplaintAttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "complaint", "content_type", "size", "uploaded_at"]
    list_select_related = ["complaint"]
    readonly_fields = [
        "complaint",
        "event",
        "file",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(TicketCounter)
class TicketCounterAdmin(admin.ModelAdmin):
    list_display = ["day", "last"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
