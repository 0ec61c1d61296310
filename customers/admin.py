from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from customers.history import author_of
from customers.models import Contact, Customer, SupplyPoint


class SupplyPointInline(admin.TabularInline):
    model = SupplyPoint
    extra = 0
    autocomplete_fields = ["feeder"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = [
        "name",
        "role",
        "mobile",
        "email",
        "preferred_channel",
        "receives_outage_notices",
        "receives_billing_notices",
    ]


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["account_no", "name", "segment", "importance", "region", "status", "risk_level"]
    list_filter = ["segment", "importance", "region", "status", "tariff", "risk_level"]
    search_fields = ["account_no", "name", "credit_code"]
    inlines = [SupplyPointInline, ContactInline]
    readonly_fields = ["risk_level", "risk_score", "created_at", "updated_at"]
    history_list_display = ["author"]

    @admin.display(description=_("author"))
    def author(self, record) -> str:
        return author_of(record)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("account_no")
        return fields


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ["name", "customer", "role", "mobile", "email", "preferred_channel"]
    list_filter = ["role", "preferred_channel", "receives_outage_notices"]
    search_fields = ["name", "mobile", "email", "customer__name", "customer__account_no"]
    raw_id_fields = ["customer"]
