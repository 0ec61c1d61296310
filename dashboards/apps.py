from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards and performance")

    def ready(self) -> None:
        # Imported in ready(), when the app registry is loaded (Django's own ordering).
        from dashboards import navigation  # noqa: F401
