from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutagesConfig(AppConfig):
    name = "outages"
    verbose_name = _("Outages")

    def ready(self) -> None:
        from customers.tabs import register_tab
        from outages import timeline_entries  # noqa: F401  (registers timeline providers)

        register_tab("outages", _("Outages"), "outages:customer_outages_tab", order=40)
