"""The tables of the project list and the weekly review, as CSV or Excel (common.tabular)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from connections.selectors import review_row

CHUNK = 500


def _header() -> list[str]:
    return [
        _("Project"),
        _("External reference"),
        _("Kind"),
        _("Applicant"),
        _("Account number"),
        _("Region"),
        _("Supply scheme"),
        _("Voltage (kV)"),
        _("Requested capacity (kVA)"),
        _("Status"),
        _("Current step"),
        _("Accepted at"),
        _("Utility working days"),
        _("Working days left"),
        _("Step working days"),
        _("Step days left"),
        _("Limit missed"),
        _("Waits"),
        _("Waiting for"),
        _("Documents missing"),
        _("Account manager"),
    ]


def _rows(queryset) -> Iterator[list]:
    today = timezone.localdate()
    for project in queryset.iterator(chunk_size=CHUNK):
        row = review_row(project, today=today)
        yield [
            project.number,
            project.external_ref,
            project.get_kind_display(),
            project.applicant_name,
            project.customer.account_no if project.customer else "",
            project.region.name,
            project.get_supply_scheme_display(),
            project.voltage_kv,
            project.requested_capacity_kva,
            project.get_status_display(),
            project.get_current_step_display(),
            project.accepted_at,
            row["used"],
            row["left"],
            row["step_used"],
            row["step_left"],
            _("Yes") if row["breached"] else _("No"),
            project.wait_count,
            project.wait_reason or "",
            project.missing_documents,
            project.manager.display_name,
        ]


def project_table(queryset) -> tuple[list[str], Iterable[list]]:
    return _header(), _rows(queryset)


def review_table(queryset) -> tuple[list[str], Iterable[list]]:
    return _header(), _rows(queryset)
