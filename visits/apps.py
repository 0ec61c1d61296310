from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        # Imported in ready(), when the app registry is loaded (Django's own ordering).
        from customers.tabs import register_tab
        from visits import navigation, timeline_entries  # noqa: F401

        register_tab("visits", _("Visits"), "visits:customer_visits_tab", order=50)
