"""Timeline providers of the account managers' part: assignments and follow-ups."""

from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce, Concat, NullIf
from django.utils.translation import gettext_lazy as _

from accounts_manager.models import Assignment, FollowUp
from customers.timeline import ref, register, text


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


@register("followup", _("Follow-ups"))
def followups(customer):
    return FollowUp.objects.filter(customer_id=customer.pk).annotate(
        tl_at=F("created_at"),
        tl_kind=text("followup"),
        tl_summary=Concat(text(_("Follow-up: ")), F("summary"), output_field=CharField()),
        tl_ref=ref("followup"),
    )
