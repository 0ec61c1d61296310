from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        # Imported in ready(), when the app registry is loaded (Django's own ordering).
        from billing import navigation, timeline_entries  # noqa: F401
        from billing.selectors import outstanding_annotation
        from customers.annotations import register_annotation
        from customers.tabs import register_tab

        register_annotation("outstanding_amount", outstanding_annotation)
        register_tab("arrears", _("Arrears"), "billing:customer_arrears_tab", order=20)
