"""Reading a year of the official calendar from a CSV or Excel file, for a preview.

The file has a header row naming the columns — `date`/`日期`, `kind`/`类型`, `name`/`名称` —
and one row per public holiday or make-up working day. Kinds are `holiday` (or 休, 假, 放假,
节假日) and `workday` (or 班, 上班, 补班, 调休上班). Rows are numbered as the spreadsheet shows
them (the header is row 1). Like the bill import (`billing.imports`), nothing is written here:
the preview lists every row with its problems, and `common.official_calendar` saves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from common import tablefiles
from common.models import DayKind
from common.official_calendar import check_days
from common.tablefiles import FileProblem

MAX_FILE_BYTES = 1024 * 1024
MAX_ROWS = 366
COLUMNS = {
    "date": ("date", "日期"),
    "kind": ("kind", "类型", "类别"),
    "name": ("name", "名称", "节日", "说明"),
}
KINDS = {
    "holiday": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "补班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
}


@dataclass
class PreviewRow:
    number: int
    date: dt.date | None
    kind: str
    name: str
    raw: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def read_calendar_file(upload, year: int) -> list[PreviewRow]:
    """Every row of the file, parsed and checked against `year` (errors per row)."""
    header, *body = tablefiles.read_rows(upload, max_bytes=MAX_FILE_BYTES)
    mapping = tablefiles.map_header(header, COLUMNS)
    if "date" not in mapping or "kind" not in mapping:
        raise FileProblem(
            _("The first row must name the columns: date (日期), kind (类型) and name (名称).")
        )
    rows: list[PreviewRow] = []
    for index, cells in enumerate(body, start=2):
        if not tablefiles.is_blank(cells):
            rows.append(_parse(index, tablefiles.cells_by_field(cells, mapping)))
    if len(rows) > MAX_ROWS:
        raise FileProblem(_("The file has more than %(n)d rows.") % {"n": MAX_ROWS})
    parsed = [(i, r) for i, r in enumerate(rows) if not r.errors]
    for problem in check_days(year, [{"date": r.date, "kind": r.kind} for _i, r in parsed]):
        parsed[problem.index][1].errors.append(problem.message)
    return rows


def as_days(rows: list[PreviewRow]) -> list[dict]:
    return [{"date": r.date, "kind": r.kind, "name": r.name} for r in rows]


def _parse(number: int, raw: dict) -> PreviewRow:
    row = PreviewRow(number=number, date=None, kind="", name=_text(raw.get("name")), raw=raw)
    value = raw.get("date")
    if isinstance(value, dt.datetime):
        row.date = value.date()
    elif isinstance(value, dt.date):
        row.date = value
    else:
        text = _text(value).replace("/", "-").replace(".", "-")
        try:
            row.date = dt.date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            row.date = None
        if row.date is None:
            row.errors.append(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text})
    kind = KINDS.get(_text(raw.get("kind")).lower())
    if kind is None:
        row.errors.append(_("The kind is “holiday” or “workday”."))
    else:
        row.kind = kind
    return row


def _text(value) -> str:
    return "" if value is None else str(value).strip()
