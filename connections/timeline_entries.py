"""Timeline providers of the connections part: projects accepted and their milestones."""

from django.db.models import CharField, F
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from connections.models import EventKind, Kind, ProjectEvent
from customers.timeline import choice_label, ref, register, register_ref_page, text

MILESTONES = (
    EventKind.CREATED,
    EventKind.FINISHED,
    EventKind.RETURNED,
    EventKind.WAITING,
    EventKind.RESUMED,
    EventKind.ENERGIZED,
    EventKind.CANCELLED,
    EventKind.BREACHED,
)


@register("connection", _("Connection projects"))
def project_events(customer):
    return ProjectEvent.objects.filter(
        project__customer_id=customer.pk, kind__in=MILESTONES
    ).annotate(
        tl_at=F("at"),
        tl_kind=text("connection"),
        tl_summary=Concat(
            text(_("Connection project ")),
            F("project__number"),
            text(" · "),
            choice_label("project__kind", Kind.choices),
            text(" · "),
            choice_label("kind", EventKind.choices),
            output_field=CharField(),
        ),
        tl_ref=ref("connection", "project_id"),
    )


register_ref_page("connection", "connections:detail")
