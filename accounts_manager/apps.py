from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsManagerConfig(AppConfig):
    name = "accounts_manager"
    verbose_name = _("Account managers")

    def ready(self) -> None:
        # Imported in ready(), when the app registry is loaded (Django's own ordering): these
        # modules register themselves with the registries of the apps below.
        from accounts_manager import navigation, portfolio_hooks, timeline_entries  # noqa: F401
        from accounts_manager.metrics import staff_messages_by_status
        from common.metrics import register_collector as register_metrics

        register_metrics(staff_messages_by_status)
