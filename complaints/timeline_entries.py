"""Timeline providers of the complaints part: tickets received and their status changes."""

from django.db.models import CharField, F
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Complaint, ComplaintEvent, EventKind, Status
from customers.timeline import choice_label, ref, register, register_ref_page, text


@register("complaint", _("Complaints"))
def complaints_received(customer):
    return Complaint.objects.filter(customer_id=customer.pk).annotate(
        tl_at=F("received_at"),
        tl_kind=text("complaint"),
        tl_summary=Concat(
            text(_("Complaint ")),
            F("ticket_no"),
            text(" · "),
            choice_label("category", Category.choices),
            text(" · "),
            choice_label("status", Status.choices),
            output_field=CharField(),
        ),
        tl_ref=ref("complaint"),
    )


STATUS_EVENTS = (
    EventKind.RESOLVED,
    EventKind.CALLBACK,
    EventKind.CLOSED_WITHOUT_CALLBACK,
    EventKind.REOPENED,
    EventKind.ESCALATED,
)


@register("complaint", _("Complaints"))
def complaint_events(customer):
    return ComplaintEvent.objects.filter(
        complaint__customer_id=customer.pk, kind__in=STATUS_EVENTS
    ).annotate(
        tl_at=F("at"),
        tl_kind=text("complaint"),
        tl_summary=Concat(
            text(_("Complaint ")),
            F("complaint__ticket_no"),
            text(" · "),
            choice_label("kind", EventKind.choices),
            output_field=CharField(),
        ),
        tl_ref=ref("complaint-event"),
    )


register_ref_page("complaint", "complaints:detail")
