"""Admin of supply quality. Interruptions and readings come from the imports (API, uploads)
and the outages, whose services check the rules: here they are looked up. Monitoring points
are created through the same service as the API."""

from django.contrib import admin

from common.admin_access import ReadOnlyAdmin
from supply import services
from supply.models import (
    ComplaintLink,
    Interruption,
    MonitoringPoint,
    QualityEpisode,
    SupplyEvent,
    VoltageReading,
)


@admin.register(Interruption)
class InterruptionAdmin(ReadOnlyAdmin):
    list_display = ["source_ref", "source", "feeder", "customer", "start", "end", "planned"]
    list_filter = ["source", "planned"]
    search_fields = ["source_ref", "feeder__code", "customer__account_no", "cause"]
    date_hierarchy = "start"
    raw_id_fields = ["customer", "outage", "feeder"]


@admin.register(SupplyEvent)
class SupplyEventAdmin(ReadOnlyAdmin):
    list_display = ["interruption", "kind", "at", "actor"]
    list_filter = ["kind"]


@admin.register(VoltageReading)
class VoltageReadingAdmin(ReadOnlyAdmin):
    list_display = ["point", "day", "minutes_monitored", "minutes_above", "minutes_below"]
    search_fields = ["point__code"]
    date_hierarchy = "day"
    raw_id_fields = ["point"]


@admin.register(QualityEpisode)
class QualityEpisodeAdmin(ReadOnlyAdmin):
    list_display = ["customer", "rule", "opened_at", "closed_at"]
    list_filter = ["rule"]
    raw_id_fields = ["customer", "followup"]


@admin.register(ComplaintLink)
class ComplaintLinkAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "interruption", "linked_at", "linked_by"]


@admin.register(MonitoringPoint)
class MonitoringPointAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "customer", "voltage_class", "active"]
    list_filter = ["voltage_class", "active"]
    search_fields = ["code", "name", "customer__account_no", "customer__name"]
    raw_id_fields = ["customer", "supply_point"]

    def get_readonly_fields(self, request, obj=None):
        # The customer and its supply point are set when the point is created.
        return ["customer", "supply_point"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["code", "name", "voltage_class", "active", "updated_at"])
            return
        point = form.cleaned_data.get("supply_point")
        created = services.create_monitoring_point(
            form.cleaned_data["customer"],
            code=obj.code,
            name=obj.name,
            voltage_class=obj.voltage_class,
            feeder_code=point.feeder.code if point is not None else None,
            active=obj.active,
            acting_user=request.user,
        )
        obj.pk = created.pk
