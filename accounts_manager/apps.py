from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsManagerConfig(AppConfig):
    name = "accounts_manager"
    verbose_name = _("Account managers")

    def ready(self) -> None:
        from accounts_manager import timeline_entries  # noqa: F401  (registers providers)
        from accounts_manager import (  # noqa: F401  (visits' timeline provider, admin)
            dashboard_admin,
            visit_timeline,
        )
        from customers.tabs import register_tab

        register_tab("visits", _("Visits"), "visits:customer_visits_tab", order=50)
