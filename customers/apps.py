from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # Imported in ready(), when the app registry is loaded (Django's own ordering).
        from customers import navigation, timeline_entries  # noqa: F401
