from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsManagerConfig(AppConfig):
    name = "accounts_manager"
    verbose_name = _("Account managers")

    def ready(self) -> None:
        # Timeline providers (assignments, follow-ups, visits) and the admin of visits and
        # the star rating.
        from accounts_manager import (  # noqa: F401
            dashboard_admin,
            timeline_entries,
            visit_timeline,
        )
        from customers.tabs import register_tab

        register_tab("visits", _("Visits"), "visits:customer_visits_tab", order=50)
