"""The one export writer: text that a spreadsheet would run as a formula is neutralised."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from common import tabular

HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HOSTILE, "'" + HOSTILE),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("东区钢厂", "东区钢厂"),
        ("a=b", "a=b"),
        # A plain number written as text cannot be a formula.
        ("-390.00", "-390.00"),
        ("+8613800000000", "+8613800000000"),
    ],
)
def test_text_that_starts_a_formula_gets_a_quote(value, written):
    assert tabular.safe_text(value) == written


def _csv(header, rows):
    return list(csv.reader(io.StringIO(tabular.csv_bytes(header, rows).decode("utf-8-sig"))))


def _xlsx(header, rows):
    return load_workbook(io.BytesIO(tabular.xlsx_bytes("t", header, rows))).active


def test_csv_neutralises_text_and_keeps_numbers():
    lines = _csv(["=name", "amount"], [[HOSTILE, Decimal("-12.50")], ["-1+1", -3]])
    assert lines == [["'=name", "amount"], ["'" + HOSTILE, "-12.50"], ["'-1+1", "-3"]]


def test_xlsx_writes_text_as_strings_and_numbers_as_numbers():
    sheet = _xlsx(
        ["Customer", "Overdue", "Due"],
        [[HOSTILE, Decimal("-12.50"), dt.date(2025, 5, 20)], ["@x", -3, None]],
    )
    name, money, due = sheet[2]
    assert name.data_type == "s" and name.value == "'" + HOSTILE
    assert money.data_type == "n" and money.value == Decimal("-12.5")
    assert money.number_format == tabular.MONEY_FORMAT
    assert due.is_date
    assert sheet["A3"].value == "'@x" and sheet["A3"].data_type == "s"
    assert sheet["B3"].value == -3 and sheet["B3"].data_type == "n"


def test_xlsx_drops_characters_a_workbook_cannot_hold():
    sheet = _xlsx(["a"], [["bell\x07 name"]])
    assert sheet["A2"].value == "bell name"


def test_an_aware_datetime_is_written_in_local_time():
    from zoneinfo import ZoneInfo

    when = dt.datetime(2025, 6, 1, 2, 0, tzinfo=ZoneInfo("UTC"))
    assert _xlsx(["at"], [[when]])["A2"].value == dt.datetime(2025, 6, 1, 10, 0)
    assert _csv(["at"], [[when]])[1] == ["2025-06-01 10:00:00"]


def test_booleans_stay_booleans_in_excel():
    sheet = _xlsx(["flag"], [[True]])
    assert sheet["A2"].value is True and sheet["A2"].data_type == "b"
