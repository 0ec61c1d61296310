"""Timeline providers of the outages part: outages that hit a customer, and notices sent."""

from django.db.models import CharField, F
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_lazy as _

from customers.models import Channel
from customers.timeline import choice_label, ref, register, register_ref_page, text
from outages.models import (
    ImpactLevel,
    Notification,
    NotificationKind,
    NotificationStatus,
    OutageImpact,
)


@register("outage", _("Outages"))
def outage_impacts(customer):
    return OutageImpact.objects.filter(customer_id=customer.pk).annotate(
        tl_at=F("created_at"),
        tl_kind=text("outage"),
        tl_summary=Concat(
            text(_("Affected by outage ")),
            F("outage__reference"),
            text(" · "),
            F("outage__reason"),
            text(" · "),
            choice_label("impact", ImpactLevel.choices),
            output_field=CharField(),
        ),
        tl_ref=ref("outage", "outage_id"),
    )


@register("outage_notice", _("Outage notices"))
def outage_notices(customer):
    return Notification.objects.filter(customer_id=customer.pk).annotate(
        tl_at=Coalesce("confirmed_at", "sent_at", "created_at"),
        tl_kind=text("outage_notice"),
        tl_summary=Concat(
            F("outage__reference"),
            text(" · "),
            choice_label("kind", NotificationKind.choices),
            text(" → "),
            F("contact__name"),
            text(" ("),
            choice_label("channel", Channel.choices),
            text(") · "),
            choice_label("status", NotificationStatus.choices),
            output_field=CharField(),
        ),
        tl_ref=ref("outage-notice"),
    )


register_ref_page("outage", "outages:detail")
