"""Admin of the arrears-risk scan: scans and overrides, looked up here (scans run from the page,
the API or the nightly job; overrides are set on the customer's risk tab or through the API,
whose services check the rules and write the customer's history)."""

from django.contrib import admin

from common.admin_access import ReadOnlyAdmin
from risk.models import RiskOverride, RiskScan


@admin.register(RiskScan)
class RiskScanAdmin(ReadOnlyAdmin):
    list_display = ["pk", "status", "trigger", "created_at", "finished_at", "customers_scanned"]
    list_filter = ["status", "trigger"]
    date_hierarchy = "created_at"


@admin.register(RiskOverride)
class RiskOverrideAdmin(ReadOnlyAdmin):
    list_display = ["customer", "level", "set_by", "created_at", "expires_at", "ended_at"]
    list_filter = ["level", "end_reason"]
    search_fields = ["customer__account_no", "customer__name", "reason"]
    raw_id_fields = ["customer", "set_by", "ended_by"]
