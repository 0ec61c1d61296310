"""The one writer of every CSV and Excel export.

Exports hold text that users typed (customer and contact names, notes). A spreadsheet runs a
cell that starts with `=`, `+`, `-` or `@` as a formula (and tab or carriage return can hide
such a start), so a name like `=HYPERLINK("http://evil.example","x")` would become a live link
or worse in the file a supervisor opens. Every text cell that starts with one of these gets a
single quote in front (OWASP "CSV injection"), and an Excel text cell is always written as a
string, never as a formula. Numbers, Decimals and dates stay what they are: a negative number
is not text. A text that is a plain number ("-390.00", "+8613800000000") cannot hold a formula
and is left as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
# Characters an .xlsx file cannot hold (openpyxl refuses them): control characters but tab,
# line feed and carriage return.
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MONEY_FORMAT = "#,##0.00"


def safe_text(value: object) -> str:
    """The text of a cell that no spreadsheet will run as a formula."""
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def csv_cell(value: object) -> str | int | float | Decimal:
    if value is None:
        return ""
    if _is_number(value):
        return value  # type: ignore[return-value]
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_text(value)


def xlsx_cell(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    if isinstance(value, dt.datetime):
        # Excel has no time zones: the local (Shanghai) wall-clock time.
        return timezone.make_naive(value) if timezone.is_aware(value) else value
    if isinstance(value, (dt.date, dt.time)):
        return value
    return _ILLEGAL_XLSX.sub("", safe_text(value))


def csv_bytes(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    # A BOM so that Excel opens the Chinese text as UTF-8.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(title: str, header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """One sheet: a bold, frozen header row, text as strings, money with two decimals."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    # A sheet title may not hold []:*?/\ and has at most 31 characters.
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", _ILLEGAL_XLSX.sub("", str(title)))[:31] or "Sheet"
    widths: dict[int, int] = {}
    bold = Font(bold=True)
    for row_index, row in enumerate([header, *rows], start=1):
        for column_index, raw in enumerate(row, start=1):
            value = xlsx_cell(raw)
            cell = sheet.cell(row=row_index, column=column_index)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever openpyxl guesses
            elif isinstance(value, Decimal):
                cell.number_format = MONEY_FORMAT
            if row_index == 1:
                cell.font = bold
            width = len(str(value)) if value is not None else 0
            widths[column_index] = max(widths.get(column_index, 0), width)
    for column_index, width in widths.items():
        letter = sheet.cell(row=1, column=column_index).column_letter
        sheet.column_dimensions[letter].width = min(max(width + 2, 10), 40)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_response(
    fmt: str, *, filename: str, title: str, header: Sequence, rows: Iterable[Sequence]
) -> HttpResponse:
    """A download of the table as CSV (UTF-8 with a BOM) or Excel; `filename` without extension."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(title, header, rows), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(csv_bytes(header, rows), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
