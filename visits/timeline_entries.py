"""Timeline provider of visits: each visit made to the customer, with its survey's mean score."""

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Substr
from django.utils.translation import gettext_lazy as _

from customers.timeline import ref, register, register_ref_page, text
from visits.models import Visit, VisitKind, VisitOutcome


def _label(field: str, choices) -> Case:
    """A choice field's translated label, in SQL (so the timeline stays one query)."""
    return Case(
        *[When(**{field: value}, then=text(label)) for value, label in choices],
        default=F(field),
        output_field=CharField(),
    )


def _survey():
    """` · survey 4.2/5` when the visit has a survey, else nothing."""
    total = (
        F("survey__supply_reliability")
        + F("survey__power_quality")
        + F("survey__billing")
        + F("survey__service_attitude")
        + F("survey__business_handling")
    )
    return Case(
        When(
            survey__isnull=False,
            then=Concat(
                text(_(" · satisfaction ")),
                Cast(total, output_field=CharField()),
                Value("/25"),
                output_field=CharField(),
            ),
        ),
        default=Value(""),
        output_field=CharField(),
    )


@register("visit", _("Visits"))
def visits(customer):
    return Visit.objects.filter(customer_id=customer.pk).annotate(
        tl_at=F("visited_at"),
        tl_kind=text("visit"),
        tl_summary=Concat(
            _label("kind", VisitKind.choices),
            text(" · "),
            Coalesce(NullIf(F("manager__name"), Value("")), F("manager__username")),
            text(" · "),
            _label("outcome", VisitOutcome.choices),
            _survey(),
            Case(
                When(notes="", then=Value("")),
                default=Concat(Value(" · "), Substr("notes", 1, 120)),
                output_field=CharField(),
            ),
            output_field=CharField(),
        ),
        tl_ref=ref("visit"),
    )


register_ref_page("visit", "visits:detail")
