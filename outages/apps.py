from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutagesConfig(AppConfig):
    name = "outages"
    verbose_name = _("Outages")

    def ready(self) -> None:
        # Imported in ready(), when the app registry is loaded (Django's own ordering).
        from common.metrics import register_collector as register_metrics
        from customers.tabs import register_tab
        from outages import navigation, timeline_entries  # noqa: F401
        from outages.metrics import notices_by_channel_and_outcome

        register_tab("outages", _("Outages"), "outages:customer_outages_tab", order=40)
        register_metrics(notices_by_channel_and_outcome)
