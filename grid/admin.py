from django.contrib import admin

from grid.models import Feeder, Region, Substation


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Substation)
class SubstationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "voltage_kv"]
    list_filter = ["region"]
    search_fields = ["code", "name"]


@admin.register(Feeder)
class FeederAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "substation", "region"]
    list_filter = ["region", "substation"]
    search_fields = ["code", "name"]
