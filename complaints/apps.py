from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints import timeline_entries  # noqa: F401  (registers timeline providers)
        from customers.tabs import register_tab

        register_tab("complaints", _("Complaints"), "complaints:customer_complaints_tab", order=30)
