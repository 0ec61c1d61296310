from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = _("Connection projects")

    def ready(self) -> None:
        # Imported in ready(), when the app registry is loaded: the menu, the customer 360 tab
        # and the timeline entries.
        from connections import hooks, navigation, timeline_entries  # noqa: F401
        from customers.tabs import register_tab

        register_tab("connections", _("Connection projects"), "connections:customer_tab", order=45)
