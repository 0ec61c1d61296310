"""The one reader of uploaded CSV and Excel tables (bill and payment imports, the calendar).

A file becomes a list of rows of cells; the first row names the columns, matched to field names
through their aliases (English and Chinese headers). What each import makes of the cells is
its own business.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _


class FileProblem(Exception):
    """The upload cannot be read as a table of the expected columns."""


def read_rows(upload, *, max_bytes: int) -> list[list]:
    """Every row of an uploaded .csv (UTF-8 or GB18030) or .xlsx file (its first sheet)."""
    if getattr(upload, "size", 0) > max_bytes:
        raise FileProblem(
            _("The file is larger than %(mb)d MB; split it.") % {"mb": max(1, max_bytes // 2**20)}
        )
    name = (getattr(upload, "name", "") or "").lower()
    content = upload.read()
    if name.endswith(".xlsx"):
        table = _xlsx_rows(content)
    elif name.endswith((".csv", ".txt")):
        table = _csv_rows(content)
    else:
        raise FileProblem(_("Upload a .csv or .xlsx file."))
    if not table:
        raise FileProblem(_("The file is empty."))
    return table


def map_header(header: Iterable, columns: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Field name → column index, for the fields whose name or an alias heads a column."""
    names = [str(h or "").strip().lower() for h in header]
    mapping: dict[str, int] = {}
    for field_name, aliases in columns.items():
        for alias in aliases:
            if alias.lower() in names:
                mapping[field_name] = names.index(alias.lower())
                break
    return mapping


def is_blank(cells: Iterable) -> bool:
    return all(c in (None, "") for c in cells)


def cells_by_field(cells: list, mapping: Mapping[str, int]) -> dict:
    return {name: cells[index] if index < len(cells) else None for name, index in mapping.items()}


def _csv_rows(content: bytes) -> list[list]:
    # Excel in China saves CSV as GB18030 (GBK); everything else as UTF-8, often with a BOM.
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030", errors="replace")
    if "\x00" in text:
        raise FileProblem(_("The file contains NUL characters; it is not a text table."))
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise FileProblem(_("The file cannot be read as CSV: %(error)s") % {"error": exc}) from exc


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise FileProblem(_("The file cannot be read as an Excel workbook.")) from exc
    try:
        rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    # A CSV's text was checked whole; a workbook's cells are checked here.
    if any(isinstance(c, str) and "\x00" in c for row in rows for c in row):
        raise FileProblem(_("The file contains NUL characters; it is not a text table."))
    return rows
