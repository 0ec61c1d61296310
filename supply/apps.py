from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "supply"
    verbose_name = _("Supply quality")

    def ready(self) -> None:
        # Imported in ready(), when the app registry is loaded (Django's own ordering).
        from complaints.models import Category
        from complaints.panels import register_panel
        from customers.tabs import register_tab
        from outages.progress import on_outage_progress
        from supply import navigation, timeline_entries  # noqa: F401
        from supply.services import record_outage_progress

        # The product's own outages become interruptions when they start and complete.
        on_outage_progress(record_outage_progress)
        register_tab("supply", _("Supply quality"), "supply:customer_tab", order=45)
        register_panel(
            "supply",
            "supply:complaint_panel",
            categories=[Category.POWER_QUALITY, Category.OUTAGE],
        )
