from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts_manager import staff_messages
from accounts_manager.directory import directory_status
from accounts_manager.models import (
    FollowUp,
    ManagerProfile,
    Notice,
    User,
    WeComMessage,
    WeComMessageStatus,
    WeComPreference,
)
from common.admin_access import ReadOnlyAdmin
from customers.models import Assignment


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "name",
        "employee_no",
        "region",
        "supervisor",
        "is_active",
        "is_superuser",
    ]
    list_filter = ["groups", "region", "is_active", "is_superuser"]
    search_fields = ["username", "name", "employee_no", "email", "wecom_userid"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ("name", "employee_no", "region", "supervisor", "phone")}),
        (_("WeCom"), {"fields": ("wecom_userid",)}),
    )

    # The list starts with the company directory's status (set up, answering, last sync).
    change_list_template = "admin/accounts_manager/user/change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "directory_status": directory_status()}
        return super().changelist_view(request, extra_context=extra_context)

    # The same rule as accounts_manager.policy.check_user_change: an administrator does not
    # deactivate themselves or give up their own role.
    SELF_LOCKED_FIELDS = ("is_active", "is_staff", "is_superuser", "groups")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            fields += [f for f in self.SELF_LOCKED_FIELDS if f not in fields]
        return fields


@admin.register(ManagerProfile)
class ManagerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "title", "joined_on", "left_on"]
    search_fields = ["user__username", "user__name"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    """Assignments are made on the customer's page or through the API, by the service that ends
    the open one and moves the follow-ups (accounts_manager.services.assign_customer); the
    responsibility chain is never deleted: reassign instead."""

    list_display = ["customer", "manager", "start", "end", "reason"]
    list_filter = ["manager"]
    search_fields = ["customer__account_no", "customer__name", "manager__username"]
    raw_id_fields = ["customer", "manager", "created_by"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["customer", "manager", "kind", "due_at", "status", "summary"]
    list_filter = ["kind", "status"]
    search_fields = ["summary", "source", "customer__account_no"]
    raw_id_fields = ["customer", "manager", "closed_by"]

    def has_add_permission(self, request):
        # Follow-ups are raised by the parts of the product and closed in the work queue
        # (accounts_manager.services), which never reopens a closed one.
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["recipient", "title", "created_at", "read_at"]
    search_fields = ["title", "key"]
    raw_id_fields = ["recipient"]


@admin.register(WeComPreference)
class WeComPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "followups", "escalations", "approvals", "other", "updated_at"]
    list_filter = ["followups", "escalations", "approvals", "other"]
    search_fields = ["user__username", "user__name"]
    raw_id_fields = ["user"]


@admin.register(WeComMessage)
class WeComMessageAdmin(ReadOnlyAdmin):
    """企业微信 messages are recorded with the events and sent by tasks; the list shows the
    channel's status (configured or not, sent and failed in the last day)."""

    change_list_template = "admin/accounts_manager/wecommessage/change_list.html"
    list_display = [
        "recipient",
        "category",
        "title",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "category"]
    search_fields = ["title", "key", "recipient__username", "recipient__name"]
    list_select_related = ["recipient"]
    actions = ["retry_failed"]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "wecom": staff_messages.channel_status()}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.action(description=_("Send the selected failed messages again"))
    def retry_failed(self, request, queryset):
        ids = list(queryset.filter(status=WeComMessageStatus.FAILED).values_list("pk", flat=True))
        count = staff_messages.retry_failed_messages(ids)
        self.message_user(
            request,
            _("%(n)d messages will be sent again.") % {"n": count},
            messages.SUCCESS,
        )

    def has_change_permission(self, request, obj=None):
        # The action needs it; the form stays read-only (no field is editable).
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
