from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsManagerConfig(AppConfig):
    name = "accounts_manager"
    verbose_name = _("Account managers")

    def ready(self) -> None:
        from accounts_manager import timeline_entries  # noqa: F401  (registers providers)
