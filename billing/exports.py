"""CSV and Excel files of billing: the arrears list and the import templates."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.imports import BILL_COLUMNS, PAYMENT_COLUMNS
from billing.selectors import ArrearsRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def arrears_table(rows: Iterable[ArrearsRow]) -> tuple[list[str], list[list]]:
    header = [
        _("Account no."),
        _("Customer"),
        _("Region"),
        _("Manager"),
        _("Outstanding"),
        _("Overdue"),
        _("1–30 days"),
        _("31–60 days"),
        _("61–90 days"),
        _("Over 90 days"),
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
            r.aging["1_30"],
            r.aging["31_60"],
            r.aging["61_90"],
            r.aging["over_90"],
            r.oldest_due_date,
            r.days_past_due,
            r.late_fee,
            r.open_bills,
        ]
        for r in rows
    ]
    return header, body


def csv_response(filename: str, header: Sequence, body: Iterable[Sequence]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A BOM so that Excel opens the Chinese text as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in body:
        writer.writerow(["" if v is None else v for v in row])
    return response


def xlsx_response(
    filename: str,
    title: str,
    header: Sequence,
    body: Iterable[Sequence],
    money_columns: Sequence[int] = (),
) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append(list(row))
    for index in money_columns:
        for cell in sheet.iter_cols(min_col=index + 1, max_col=index + 1, min_row=2):
            for c in cell:
                c.number_format = "#,##0.00"
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 40)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def arrears_export(rows: Iterable[ArrearsRow], fmt: str) -> HttpResponse:
    header, body = arrears_table(rows)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        return xlsx_response(
            f"arrears-{stamp}.xlsx",
            _("Arrears"),
            header,
            body,
            money_columns=(4, 5, 6, 7, 8, 9, 12),
        )
    return csv_response(f"arrears-{stamp}.csv", header, body)


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
    if fmt == "xlsx":
        return xlsx_response(f"{kind}-template.xlsx", kind, header, [example])
    return csv_response(f"{kind}-template.csv", header, [example])
