"""Formatting of the dashboard and performance pages: rates as percentages, stars, money."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from common.money import format_cny
from complaints.models import Category, Status
from customers.models import Importance, RiskLevel
from outages.models import OutageKind, OutageStatus
from visits.models import VisitKind, VisitOutcome, VisitPlanStatus

register = template.Library()


@register.filter
def percent(value, places: int = 1) -> str:
    """0.9532 → "95.3%"; None → "—"."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(str(value)) * 100:.{int(places)}f}%"
    except (InvalidOperation, ValueError):
        return "—"


@register.filter
def cny(value) -> str:
    """A money string or number as ¥1,234.50."""
    if value is None or value == "":
        return "—"
    return format_cny(Decimal(str(value)))


@register.filter
def stars(value):
    """★★★☆☆ for 3 stars (with a text for screen readers); — without a rating."""
    if not value:
        return format_html('<span class="text-secondary">{}</span>', "—")
    count = int(value)
    return format_html(
        '<span class="app-stars" title="{}" aria-label="{}">{}<span class="app-stars-off">{}'
        "</span></span>",
        _("%(n)d of 5 stars") % {"n": count},
        _("%(n)d of 5 stars") % {"n": count},
        "★" * count,
        "★" * (5 - count),
    )


def _choices():

    return {
        "risk": RiskLevel,
        "outage_status": OutageStatus,
        "outage_kind": OutageKind,
        "complaint_status": Status,
        "complaint_category": Category,
        "importance": Importance,
        "visit_kind": VisitKind,
        "visit_outcome": VisitOutcome,
        "plan_status": VisitPlanStatus,
    }


@register.filter
def choice_label(value, kind: str) -> str:
    """A stored choice value's translated label: {{ o.status|choice_label:"outage_status" }}."""
    if value is None or value == "":
        return "—"
    return str(dict(_choices()[kind].choices).get(value, value))


@register.filter
def moment(value) -> str:
    """An ISO 8601 moment or date from the figures, shown as local `YYYY-MM-DD HH:MM`."""
    import datetime as dt

    from django.utils import timezone

    if not value:
        return "—"
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return parsed.strftime("%Y-%m-%d %H:%M")
