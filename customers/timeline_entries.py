"""Timeline providers of the customer register: changes to the record and its contacts, and
the customer's assignments to managers."""

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Coalesce, Concat, NullIf
from django.utils.translation import gettext_lazy as _

from customers.history import author_expression
from customers.models import Assignment, Contact, Customer
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


def _name(prefix: str):
    return Coalesce(
        NullIf(F(f"{prefix}__name"), Value("")),
        F(f"{prefix}__username"),
        Value("—"),
        output_field=CharField(),
    )


@register("assignment", _("Assignments"))
def assignments(customer):
    return Assignment.objects.filter(customer_id=customer.pk).annotate(
        tl_at=F("created_at"),
        tl_kind=text("assignment"),
        tl_summary=Concat(
            text(_("Assigned to ")),
            _name("manager"),
            text(_(" from ")),
            F("start"),
            text(" "),
            F("reason"),
            output_field=CharField(),
        ),
        tl_ref=ref("assignment"),
    )
