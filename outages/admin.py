from django.contrib import admin

from outages.models import Notification, OutageEvent, OutageImpact, PlannedOutage


class OutageEventInline(admin.TabularInline):
    model = OutageEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "from_status", "to_status", "message")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PlannedOutage)
class PlannedOutageAdmin(admin.ModelAdmin):
    """Read-only: outages change through the workflow (pages and API), which keeps events."""

    list_display = ["reference", "kind", "status", "start", "end", "approved_by"]
    list_filter = ["status", "kind"]
    search_fields = ["reference", "reason", "area"]
    date_hierarchy = "start"
    inlines = [OutageEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutageImpact)
class OutageImpactAdmin(admin.ModelAdmin):
    list_display = [
        "outage",
        "customer",
        "impact",
        "important",
        "has_backup_generator",
        "reachable",
        "call_confirmed_at",
        "removed_at",
    ]
    list_filter = ["impact", "important", "reachable"]
    search_fields = ["outage__reference", "customer__name", "customer__account_no"]
    list_select_related = ["outage", "customer"]
    raw_id_fields = ["outage", "customer", "call_confirmed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "outage",
        "customer",
        "contact",
        "channel",
        "kind",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["outage__reference", "customer__name", "address"]
    list_select_related = ["outage", "customer", "contact"]
    exclude = ["token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
