"""Admin of the star-rating rules, performance snapshots and visits (imported from
AccountsManagerConfig.ready())."""

from django.contrib import admin

from accounts_manager.models import (
    IndicatorWeight,
    ManagerMonthSnapshot,
    SatisfactionSurvey,
    StarBand,
    Visit,
    VisitPlan,
)


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


@admin.register(VisitPlan)
class VisitPlanAdmin(admin.ModelAdmin):
    list_display = ["customer", "window_start", "due_date", "frequency_months", "status", "done_on"]
    list_filter = ["status", "frequency_months"]
    search_fields = ["customer__account_no", "customer__name"]
    raw_id_fields = ["customer", "visit"]


class SurveyInline(admin.StackedInline):
    model = SatisfactionSurvey
    extra = 0
    raw_id_fields = ["customer"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["customer", "manager", "visited_at", "kind", "outcome"]
    list_filter = ["kind", "outcome"]
    search_fields = ["customer__account_no", "customer__name", "notes"]
    raw_id_fields = ["customer", "manager", "recorded_by"]
    inlines = [SurveyInline]
