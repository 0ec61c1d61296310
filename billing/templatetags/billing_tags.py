"""Template filters of the billing pages: money and status badges."""

from django import template

from billing.models import BillStatus
from common.money import format_cny

register = template.Library()

# Status values → the colour classes of static/css/app.css (.app-status-<class>).
BADGES = {
    "open": "overdue",
    "partially_paid": "pending",
    "paid": "done",
    "written_off": "cancelled",
    "pending": "pending",
    "kept": "done",
    "broken": "overdue",
    "requested": "pending",
    "approved": "open",
    "executed": "overdue",
    "cancelled": "cancelled",
    "reconnected": "done",
}


@register.filter
def cny(value) -> str:
    """¥1,234.50 (an empty value shows as ¥0.00)."""
    return format_cny(value)


@register.filter
def badge(value) -> str:
    return BADGES.get(str(value), "open")


@register.filter
def bill_status(value) -> str:
    """The label of a bill's status (annotated as `bill_status`)."""

    try:
        return str(BillStatus(value).label)
    except ValueError:
        return str(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
