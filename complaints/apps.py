from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        # Imported in ready(), when the app registry is loaded (Django's own ordering).
        from complaints import hooks, navigation, timeline_entries  # noqa: F401
        from customers.tabs import register_tab

        register_tab("complaints", _("Complaints"), "complaints:customer_complaints_tab", order=30)
