"""Admin of the visit plan and visits."""

from django.contrib import admin

from visits.models import SatisfactionSurvey, Visit, VisitPlan


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
