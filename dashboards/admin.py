"""Admin of the star-rating rules and the performance snapshots."""

from django.contrib import admin

from dashboards.models import IndicatorWeight, ManagerMonthSnapshot, StarBand


@admin.register(IndicatorWeight)
class IndicatorWeightAdmin(admin.ModelAdmin):
    list_display = ["indicator", "weight", "best", "worst"]
    list_editable = ["weight", "best", "worst"]


@admin.register(StarBand)
class StarBandAdmin(admin.ModelAdmin):
    list_display = ["stars", "min_score"]
    list_editable = ["min_score"]


@admin.register(ManagerMonthSnapshot)
class ManagerMonthSnapshotAdmin(admin.ModelAdmin):
    """Snapshots are history: they are read here, never edited."""

    list_display = [
        "manager",
        "period",
        "region",
        "collection_rate",
        "amount_overdue",
        "score",
        "stars",
        "computed_at",
    ]
    list_filter = ["period", "region", "stars"]
    search_fields = ["manager__username", "manager__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
