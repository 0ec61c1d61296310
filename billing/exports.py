"""CSV and Excel files of billing: the arrears list and the import templates."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.imports import BILL_COLUMNS, PAYMENT_COLUMNS
from billing.selectors import AGING_BUCKETS, AGING_LABELS, ArrearsRow
from common.tabular import export_response


def arrears_table(rows: Iterable[ArrearsRow]) -> tuple[list[str], list[list]]:
    header = [
        _("Account no."),
        _("Customer"),
        _("Region"),
        _("Manager"),
        _("Outstanding"),
        _("Overdue"),
        *(str(AGING_LABELS[key]) for key, _first, _last in AGING_BUCKETS),
        _("Oldest due date"),
        _("Days past due"),
        _("Late fee"),
        _("Open bills"),
    ]
    body = [
        [
            r.account_no,
            r.customer_name,
            r.region_name,
            r.manager_name,
            r.outstanding,
            r.overdue,
            *(r.aging[key] for key, _first, _last in AGING_BUCKETS),
            r.oldest_due_date,
            r.days_past_due,
            r.late_fee,
            r.open_bills,
        ]
        for r in rows
    ]
    return header, body


def arrears_export(rows: Iterable[ArrearsRow], fmt: str) -> HttpResponse:
    header, body = arrears_table(rows)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return export_response(
        fmt, filename=f"arrears-{stamp}", title=_("Arrears"), header=header, rows=body
    )


TEMPLATE_EXAMPLES = {
    "bills": {
        "account_no": "3100000001",
        "period": "2025-03",
        "issue_date": "2025-04-05",
        "due_date": "2025-04-25",
        "tariff_category": "large_industrial",
        "energy_kwh": "120000",
        "peak_kwh": "40000",
        "flat_kwh": "50000",
        "valley_kwh": "30000",
        "basic_charge": "30000.00",
        "energy_charge": "78000.00",
        "power_factor_adjustment": "-390.00",
        "other_charges": "3400.00",
        "total": "111010.00",
    },
    "payments": {
        "account_no": "3100000001",
        "amount": "111010.00",
        "paid_at": "2025-04-20 10:30",
        "channel": "bank",
        "reference": "BK20250420000123",
        "note": "",
    },
}


def import_template(kind: str, fmt: str) -> HttpResponse:
    columns = BILL_COLUMNS if kind == "bills" else PAYMENT_COLUMNS
    header = list(columns)
    example = [TEMPLATE_EXAMPLES[kind][c] for c in header]
    return export_response(
        fmt, filename=f"{kind}-template", title=kind, header=header, rows=[example]
    )
