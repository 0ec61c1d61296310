from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Arrears risk")

    def ready(self) -> None:
        # Imported in ready(), when the app registry is loaded (Django's own ordering):
        # timeline providers, the menu, and the scan's names in the customers' change history.
        from billing.changes import on_money_change
        from common.metrics import register_collector as register_metrics
        from customers.tabs import register_tab
        from risk import navigation, services, timeline_entries  # noqa: F401
        from risk.metrics import scan_durations
        from risk.rescoring import request_rescoring

        # Risk follows the money: billing tells whose money changed, after the commit.
        on_money_change(request_rescoring)
        register_tab("risk", _("Risk"), "risk:customer_risk_tab", order=25)
        register_metrics(scan_durations)
