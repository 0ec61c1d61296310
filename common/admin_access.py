"""Who may write what in the admin, for the models that are written elsewhere.

Most records are written by services (with their rules, events and the acting user), through
the pages and the API; the admin only looks them up. A few tables are administrators' data
(the official calendar) that only superusers maintain.
"""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Looked up here; recorded on the pages, through the API or by jobs, whose services check
    the rules."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Maintained by administrators alone (staff without superuser rights only read)."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
