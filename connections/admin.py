"""Connection projects in the admin: looked up here, moved through the same services as the
pages and the API (admin actions), so the admin refuses the same things."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from common.admin_access import ReadOnlyAdmin
from common.errors import DomainError
from connections import services
from connections.models import (
    DocumentItem,
    Project,
    ProjectAttachment,
    ProjectEvent,
    ProjectStep,
    Wait,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StepInline(_ReadOnlyInline):
    model = ProjectStep
    fields = (
        "step",
        "status",
        "started_at",
        "finished_at",
        "due_on",
        "working_days",
        "limit_working_days",
        "regulator_working_days",
        "breached",
    )
    readonly_fields = fields


class WaitInline(_ReadOnlyInline):
    model = Wait
    fields = ("step", "kind", "reason", "started_at", "ended_at", "working_days")
    readonly_fields = fields


class DocumentInline(_ReadOnlyInline):
    model = DocumentItem
    fields = ("code", "received_at", "received_by", "note")
    readonly_fields = fields


class EventInline(_ReadOnlyInline):
    model = ProjectEvent
    fields = ("at", "kind", "step", "actor", "from_status", "to_status", "message")
    readonly_fields = fields


def _run(modeladmin, request, queryset, call, done_message):
    done = 0
    for project in queryset:
        try:
            call(project, request.user)
        except (DomainError, PermissionDenied) as exc:
            message = getattr(exc, "message", None) or str(exc)
            modeladmin.message_user(request, f"{project.number}: {message}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)


@admin.action(description=_("Finish the current step"))
def finish_current_step(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        lambda p, u: services.finish_step(p, acting_user=u),
        _("%(n)d projects moved on."),
    )


@admin.action(description=_("Archive with its documents"))
def archive(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        lambda p, u: services.archive_project(p, acting_user=u),
        _("%(n)d projects archived."),
    )


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    """Read-only: projects change only through their actions, which keep the event trail."""

    list_display = [
        "number",
        "applicant_name",
        "kind",
        "supply_scheme",
        "status",
        "current_step",
        "manager",
        "accepted_at",
        "breached",
        "escalation_level",
    ]
    list_filter = ["status", "kind", "supply_scheme", "current_step", "breached", "region"]
    search_fields = ["number", "external_ref", "applicant_name", "customer__account_no"]
    list_select_related = ["manager", "customer"]
    date_hierarchy = "accepted_at"
    inlines = [StepInline, WaitInline, DocumentInline, EventInline]
    actions = [finish_current_step, archive]


@admin.register(ProjectAttachment)
class ProjectAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "project", "document", "size", "uploaded_at"]
    list_select_related = ["project", "document"]
