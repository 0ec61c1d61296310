from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from common.official_calendar import on_year_entered
        from complaints import timeline_entries  # noqa: F401  (registers timeline providers)
        from customers.tabs import register_tab

        on_year_entered(_year_entered)
        register_tab("complaints", _("Complaints"), "complaints:customer_complaints_tab", order=30)


def _year_entered(year: int) -> None:
    # Recorded in the transaction that enters the year (the outbox), so a broker that is down
    # delays the recomputation instead of losing it.
    from common import outbox
    from complaints.tasks import recompute_provisional_deadlines

    outbox.enqueue(recompute_provisional_deadlines, year)
