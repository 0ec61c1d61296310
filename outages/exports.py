"""The coverage report of an outage as evidence: who was told, when, how, who confirmed."""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from common import tabular
from outages.models import Notification, PlannedOutage


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


def coverage_rows(outage: PlannedOutage, impacts) -> tuple[list[str], list[list[str]]]:
    """One row per notice sent to an affected customer's contact, and one per affected
    customer nobody could be sent a notice to — two queries whatever the number of rows."""
    impacts = list(impacts)
    notifications = defaultdict(list)
    for n in (
        Notification.objects.filter(outage=outage, customer_id__in=[i.customer_id for i in impacts])
        .select_related("contact")
        .order_by("customer_id", "kind", "revision", "id")
    ):
        notifications[n.customer_id].append(n)
    header = [
        pgettext("outage", "Outage"),
        _("Account number"),
        _("Customer"),
        _("Impact"),
        _("Important"),
        _("Own generator"),
        _("Reachable"),
        _("Contact"),
        pgettext("outage", "Channel"),
        _("Sent to"),
        _("Notice"),
        _("Status"),
        _("Attempts"),
        _("Sent at"),
        _("Delivered at"),
        _("Confirmed by customer at"),
        _("Last error"),
        _("Call confirmed at"),
        _("Call confirmed by"),
        _("Call note"),
    ]
    rows = []
    for impact in impacts:
        customer = impact.customer
        base = [
            outage.reference,
            customer.account_no,
            customer.name,
            impact.get_impact_display(),
            _yes(impact.important),
            _yes(impact.has_backup_generator),
            _yes(impact.reachable),
        ]
        call = [
            _when(impact.call_confirmed_at),
            str(impact.call_confirmed_by) if impact.call_confirmed_by else "",
            impact.call_note,
        ]
        sent = notifications.get(impact.customer_id, [])
        if not sent:
            rows.append([*base, "", "", "", "", "", "", "", "", "", "", *call])
        for n in sent:
            rows.append(
                [
                    *base,
                    n.contact.name,
                    n.get_channel_display(),
                    n.address,
                    n.get_kind_display(),
                    n.get_status_display(),
                    str(n.attempts),
                    _when(n.sent_at),
                    _when(n.delivered_at),
                    _when(n.confirmed_at),
                    n.last_error,
                    *call,
                ]
            )
    return header, rows


def export_response(outage: PlannedOutage, impacts, fmt: str) -> HttpResponse:
    header, rows = coverage_rows(outage, impacts)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return tabular.export_response(
        fmt,
        filename=f"coverage-{outage.reference}-{stamp}",
        title=outage.reference,
        header=header,
        rows=rows,
    )
