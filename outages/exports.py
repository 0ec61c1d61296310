"""The coverage report of an outage as evidence: who was told, when, how, who confirmed."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

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
    name = f"coverage-{outage.reference}-{stamp}"
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = outage.reference
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    buffer = io.StringIO()
    # A BOM so that Excel opens the Chinese text of a CSV correctly.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
