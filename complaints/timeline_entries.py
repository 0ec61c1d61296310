"""Timeline providers of the complaints part: tickets received and their status changes."""

from django.db.models import Case, CharField, F, When
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Complaint, ComplaintEvent, EventKind, Status
from customers.timeline import ref, register, text


def _label_of(field: str, choices) -> Case:
    """The translated label of a choice field, in SQL (so the timeline stays one query)."""
    return Case(
        *[When(**{field: value}, then=text(label)) for value, label in choices.choices],
        default=F(field),
        output_field=CharField(),
    )


@register("complaint", _("Complaints"))
def complaints_received(customer):
    return Complaint.objects.filter(customer_id=customer.pk).annotate(
        tl_at=F("received_at"),
        tl_kind=text("complaint"),
        tl_summary=Concat(
            text(_("Complaint ")),
            F("ticket_no"),
            text(" · "),
            _label_of("category", Category),
            text(" · "),
            _label_of("status", Status),
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
            _label_of("kind", EventKind),
            output_field=CharField(),
        ),
        tl_ref=ref("complaint-event"),
    )
