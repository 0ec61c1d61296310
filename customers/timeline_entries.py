"""Timeline providers of the customer register: changes to the record and its contacts."""

from django.db.models import Case, CharField, F, When
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from customers.history import author_expression
from customers.models import Contact, Customer
from customers.timeline import ref, register, text


def _who():
    return author_expression()


def _action():
    return Case(
        When(history_type="+", then=text(_("created"))),
        When(history_type="-", then=text(_("deleted"))),
        default=text(_("changed")),
        output_field=CharField(),
    )


@register("change", _("Record changes"))
def customer_changes(customer):
    return Customer.history.filter(id=customer.pk).annotate(
        tl_at=F("history_date"),
        tl_kind=text("change"),
        tl_summary=Concat(
            text(_("Customer record ")),
            _action(),
            text(" · "),
            _who(),
            output_field=CharField(),
        ),
        tl_ref=ref("customer-history", "history_id"),
    )


@register("change", _("Record changes"))
def contact_changes(customer):
    return Contact.history.filter(customer_id=customer.pk).annotate(
        tl_at=F("history_date"),
        tl_kind=text("change"),
        tl_summary=Concat(
            text(_("Contact ")),
            F("name"),
            text(" "),
            _action(),
            text(" · "),
            _who(),
            output_field=CharField(),
        ),
        tl_ref=ref("contact-history", "history_id"),
    )
