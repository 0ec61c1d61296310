"""Timeline providers of supply quality: the interruptions that reached the customer."""

from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from customers.models import SupplyPoint
from customers.timeline import ref, register, text
from supply.models import Interruption


@register("supply", _("Supply quality"))
def interruptions(customer):
    """Interruptions on the customer's feeders (feeder-wide, or its own), by their start."""
    feeders = SupplyPoint.objects.filter(customer_id=customer.pk).values("feeder_id")
    return (
        Interruption.objects.filter(feeder_id__in=feeders)
        .filter(Q(customer__isnull=True) | Q(customer_id=customer.pk))
        .annotate(
            tl_at=F("start"),
            tl_kind=text("supply"),
            tl_summary=Concat(
                Case(
                    When(planned=True, then=text(_("Planned outage"))),
                    default=text(_("Fault outage")),
                    output_field=CharField(),
                ),
                Value(" · "),
                F("feeder__code"),
                Value(" · "),
                F("cause"),
                output_field=CharField(),
            ),
            tl_ref=ref("interruption"),
        )
    )
