"""Uploaded CSV and Excel files of interruptions and voltage readings, read with the one
upload reader (common.tablefiles): headers in English (the API's field names) or Chinese."""

from __future__ import annotations

from django.utils.translation import gettext as _

from common import tablefiles
from common.tablefiles import FileProblem

MAX_FILE_BYTES = 10 * 1024 * 1024

INTERRUPTION_COLUMNS = {
    "source_ref": ["source_ref", "reference", "停电编号", "编号"],
    "feeder": ["feeder", "线路", "馈线", "线路编码"],
    "customer": ["customer", "客户ID"],
    "account_no": ["account_no", "户号"],
    "start": ["start", "停电开始", "开始时间"],
    "end": ["end", "恢复时间", "结束时间"],
    "cause": ["cause", "停电原因", "原因"],
    "planned": ["planned", "计划停电", "计划"],
    "outage": ["outage", "停电计划ID"],
    "cause_cleared_at": ["cause_cleared_at", "故障消除时间"],
}
READING_COLUMNS = {
    "point": ["point", "监测点", "监测点编号"],
    "customer": ["customer", "客户ID"],
    "day": ["day", "日期"],
    "minutes_monitored": ["minutes_monitored", "监测时间", "监测分钟"],
    "minutes_above": ["minutes_above", "超上限时间", "超上限分钟"],
    "minutes_below": ["minutes_below", "超下限时间", "超下限分钟"],
    "max_deviation_pct": ["max_deviation_pct", "最大偏差", "最大偏差%"],
    "min_deviation_pct": ["min_deviation_pct", "最小偏差", "最小偏差%"],
}
REQUIRED = {
    "interruptions": ("source_ref", "feeder", "start"),
    "readings": ("point", "day", "minutes_monitored", "minutes_above", "minutes_below"),
}
COLUMNS = {"interruptions": INTERRUPTION_COLUMNS, "readings": READING_COLUMNS}


def read_upload(upload, kind: str) -> tuple[list[dict], list[int]]:
    """(rows as {field: cell}, their row numbers in the file); FileProblem when the file
    cannot be read or lacks a required column."""
    table = tablefiles.read_rows(upload, max_bytes=MAX_FILE_BYTES)
    mapping = tablefiles.map_header(table[0], COLUMNS[kind])
    missing = [name for name in REQUIRED[kind] if name not in mapping]
    if missing:
        raise FileProblem(
            _("The file lacks the column(s): %(names)s.") % {"names": ", ".join(missing)}
        )
    rows, numbers = [], []
    for number, cells in enumerate(table[1:], start=2):
        if tablefiles.is_blank(cells):
            continue
        rows.append(tablefiles.cells_by_field(cells, mapping))
        numbers.append(number)
    if not rows:
        raise FileProblem(_("The file has no rows below its header."))
    return rows, numbers
