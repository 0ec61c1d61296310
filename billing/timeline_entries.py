"""Timeline providers of billing: bills, payments, collection actions, promises, disconnections."""

from django.db.models import Case, CharField, DateTimeField, F, Value, When
from django.db.models.functions import Cast, Concat, Substr
from django.utils.translation import gettext_lazy as _

from billing.models import (
    ActionKind,
    Bill,
    CollectionAction,
    DisconnectionEvent,
    DisconnectionStatus,
    Payment,
    PaymentChannel,
    PaymentPromise,
    PromiseStatus,
)
from customers.timeline import choice_label, ref, register, register_ref_page, text


def _money(field: str):
    return Concat(Value("¥"), Cast(field, output_field=CharField()), output_field=CharField())


@register("bill", _("Bills"))
def bills(customer):
    return Bill.objects.filter(customer_id=customer.pk).annotate(
        tl_at=Cast("issue_date", output_field=DateTimeField()),
        tl_kind=text("bill"),
        tl_summary=Concat(
            text(_("Bill ")),
            Substr(Cast("period", output_field=CharField()), 1, 7),
            text(" · "),
            _money("total"),
            text(_(", due ")),
            Cast("due_date", output_field=CharField()),
            output_field=CharField(),
        ),
        tl_ref=ref("bill"),
    )


@register("payment", _("Payments"))
def payments(customer):
    return Payment.objects.filter(customer_id=customer.pk).annotate(
        tl_at=F("paid_at"),
        tl_kind=text("payment"),
        tl_summary=Concat(
            text(_("Payment ")),
            _money("amount"),
            text(" · "),
            choice_label("channel", PaymentChannel.choices),
            text(" "),
            F("reference"),
            Case(
                When(reversed_at__isnull=False, then=text(_(" (reversed)"))),
                default=Value(""),
                output_field=CharField(),
            ),
            output_field=CharField(),
        ),
        tl_ref=ref("payment"),
    )


@register("collection", _("Collection actions"))
def actions(customer):
    return CollectionAction.objects.filter(customer_id=customer.pk).annotate(
        tl_at=F("at"),
        tl_kind=text("collection"),
        tl_summary=Concat(
            choice_label("kind", ActionKind.choices),
            text(" · "),
            F("outcome"),
            output_field=CharField(),
        ),
        tl_ref=ref("collection-action"),
    )


@register("promise", _("Payment promises"))
def promises(customer):
    return PaymentPromise.objects.filter(customer_id=customer.pk).annotate(
        tl_at=F("created_at"),
        tl_kind=text("promise"),
        tl_summary=Concat(
            text(_("Promise to pay ")),
            _money("amount"),
            text(_(" by ")),
            Cast("due_date", output_field=CharField()),
            text(" · "),
            choice_label("status", PromiseStatus.choices),
            output_field=CharField(),
        ),
        tl_ref=ref("promise"),
    )


@register("disconnection", _("Disconnections"))
def disconnections(customer):
    return DisconnectionEvent.objects.filter(disconnection__customer_id=customer.pk).annotate(
        tl_at=F("at"),
        tl_kind=text("disconnection"),
        tl_summary=Concat(
            text(_("Disconnection for arrears: ")),
            choice_label("to_status", DisconnectionStatus.choices),
            text(" "),
            F("note"),
            output_field=CharField(),
        ),
        tl_ref=ref("disconnection", "disconnection_id"),
    )


register_ref_page("disconnection", "billing:disconnection_detail")
