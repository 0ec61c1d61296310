"""Timeline providers of the arrears-risk scan: changes of the level shown, and overrides."""

from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, TruncDate
from django.utils.translation import gettext_lazy as _

from customers.models import RiskLevel
from customers.timeline import choice_label, ref, register, text
from risk.models import RiskAssessment, RiskOverride
from risk.selectors import shown_level


@register("risk", _("Arrears risk"))
def level_changes(customer):
    """Scans that changed the level the customer shows (the first level included)."""
    return (
        RiskAssessment.objects.published()
        .filter(customer_id=customer.pk)
        .annotate(shown=shown_level())
        .filter(Q(previous_level__isnull=True) | ~Q(previous_level=F("shown")))
        .annotate(
            tl_at=F("scanned_at"),
            tl_kind=text("risk"),
            tl_summary=Concat(
                text(_("Risk level ")),
                choice_label("previous_level", RiskLevel.choices, default="—"),
                Value(" → "),
                choice_label("shown", RiskLevel.choices, default="—"),
                text(_(", score ")),
                Cast("score", output_field=CharField()),
                output_field=CharField(),
            ),
            tl_ref=ref("risk-assessment"),
        )
    )


@register("risk", _("Arrears risk"))
def overrides(customer):
    return RiskOverride.objects.filter(customer_id=customer.pk).annotate(
        tl_at=F("created_at"),
        tl_kind=text("risk"),
        tl_summary=Concat(
            text(_("Risk level overridden to ")),
            choice_label("level", RiskLevel.choices, default="—"),
            text(_(" until ")),
            Cast(TruncDate("expires_at"), output_field=CharField()),
            Value(" · "),
            F("reason"),
            Value(" · "),
            Coalesce(NullIf(F("set_by__name"), Value("")), F("set_by__username"), text("—")),
            output_field=CharField(),
        ),
        tl_ref=ref("risk-override"),
    )
