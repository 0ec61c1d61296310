from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from billing import timeline_entries  # noqa: F401  (registers timeline providers)
        from customers.tabs import register_tab

        register_tab("arrears", _("Arrears"), "billing:customer_arrears_tab", order=20)
        from billing import risk_timeline  # noqa: F401  (registers the risk timeline providers)

        register_tab("risk", _("Risk"), "risk:customer_risk_tab", order=25)
        from billing import risk  # noqa: F401  (names its jobs in the customers' change history)
