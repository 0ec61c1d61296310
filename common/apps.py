from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("Official calendar")

    def ready(self) -> None:
        from common.official_calendar import connect_signals

        connect_signals()
