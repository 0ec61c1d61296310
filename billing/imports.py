"""Reading and validating rows of bills and payments, from JSON or from a CSV/Excel file.

Validation here is per row and needs no database; the services resolve account numbers,
detect duplicates and existing records, and write. Every problem is reported as
`{"row", "field", "message"}`; JSON rows are numbered from 1, file rows as the spreadsheet
shows them (the header is row 1, so the first data row is 2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.bill_rows import BillRowChecker
from billing.models import PaymentChannel, TariffCategory
from common import tablefiles
from common.moments import date_problem, happened_problem
from common.moments import parse_period as common_parse_period
from common.money import MONEY_NOT_A_STRING, money_problem
from common.tablefiles import FileProblem

MAX_ROWS = 20000
# An uploaded file: a month of bills of every key account (200,000 and more) fits, as CSV.
MAX_FILE_ROWS = 250_000
MAX_FILE_BYTES = 48 * 1024 * 1024
# A bill as JSON is about 400 bytes, pretty-printed about 600: a request of MAX_ROWS bills may
# be this large per row (the endpoint's body limit).
IMPORT_ROW_MAX_BYTES = 800

# Column names accepted in files: the API field names and the usual Chinese headers.
BILL_COLUMNS = {
    "account_no": ("account_no", "户号", "用户编号"),
    "period": ("period", "账期", "电费年月", "电费月份"),
    "issue_date": ("issue_date", "发行日期", "出账日期"),
    "due_date": ("due_date", "缴费截止日期", "到期日期", "截止日期"),
    "tariff_category": ("tariff_category", "电价类别"),
    "energy_kwh": ("energy_kwh", "电量", "总电量", "结算电量"),
    "peak_kwh": ("peak_kwh", "峰电量"),
    "flat_kwh": ("flat_kwh", "平电量"),
    "valley_kwh": ("valley_kwh", "谷电量"),
    "basic_charge": ("basic_charge", "基本电费"),
    "energy_charge": ("energy_charge", "电度电费"),
    "power_factor_adjustment": ("power_factor_adjustment", "力调电费", "功率因数调整电费"),
    "other_charges": ("other_charges", "其他费用", "基金及附加"),
    "total": ("total", "应收电费", "合计", "总电费"),
}
PAYMENT_COLUMNS = {
    "account_no": ("account_no", "户号", "用户编号"),
    "amount": ("amount", "金额", "实收金额", "缴费金额"),
    "paid_at": ("paid_at", "缴费时间", "收费时间"),
    "channel": ("channel", "渠道", "缴费渠道"),
    "reference": ("reference", "流水号", "交易流水号"),
    "note": ("note", "备注"),
}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    committed: bool = False
    # Per row: (row number, "create" | "update" | "unchanged" | "error") for previews.
    outcomes: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


def row_error(row: int, field_name: str, message) -> dict[str, Any]:
    return {"row": row, "field": field_name, "message": str(message)}


# --- fields ----------------------------------------------------------------------------------


def parse_period(value) -> dt.date:
    """Exactly `YYYY-MM` (or a spreadsheet date cell) as the first day of that month."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        return common_parse_period(value.strip() if isinstance(value, str) else value)
    except ValueError as exc:
        raise forms.ValidationError(str(exc), code="invalid_period") from exc


class PeriodField(forms.Field):
    default_error_messages = {"required": gettext_lazy("This field is required.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_period(value)


class LenientDateField(forms.DateField):
    """A date that may also arrive as a spreadsheet date/datetime cell."""

    def to_python(self, value):
        if isinstance(value, dt.datetime):
            return value.date()
        return super().to_python(value)


class LenientDateTimeField(forms.DateTimeField):
    def to_python(self, value):
        if isinstance(value, dt.datetime) and timezone.is_naive(value):
            return timezone.make_aware(value)
        return super().to_python(value)


class MoneyFormField(forms.DecimalField):
    """An amount: text of digits with at most two decimals (common.money), or a number cell
    of a spreadsheet. A JSON row gives it as a string (checked in `validate_rows`)."""

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        super().__init__(max_digits=14, decimal_places=2, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            problem = money_problem(value.strip(), allow_negative=self.allow_negative)
            if problem:
                raise forms.ValidationError(problem, code="invalid")
        return super().to_python(value)


def money(required: bool = True, min_value: Decimal | None = Decimal("0")):
    return MoneyFormField(required=required, min_value=min_value, allow_negative=min_value is None)


def kwh(required: bool = False):
    return forms.DecimalField(
        required=required, max_digits=14, decimal_places=2, min_value=Decimal("0")
    )


class BillRowForm(forms.Form):
    account_no = forms.CharField(max_length=32)
    period = PeriodField()
    issue_date = LenientDateField()
    due_date = LenientDateField()
    tariff_category = forms.ChoiceField(choices=TariffCategory.choices, required=False)
    energy_kwh = kwh()
    peak_kwh = kwh()
    flat_kwh = kwh()
    valley_kwh = kwh()
    basic_charge = money(required=False)
    energy_charge = money()
    power_factor_adjustment = money(required=False, min_value=None)
    other_charges = money(required=False)
    total = money(required=False)

    def clean(self):
        data = super().clean()
        for name in ("issue_date", "due_date", "period"):
            problem = data.get(name) and date_problem(data[name], "billing")
            if problem:
                self.add_error(name, problem)
        if self.errors:
            return data
        zero = Decimal("0")
        for name in ("basic_charge", "power_factor_adjustment", "other_charges"):
            data[name] = data.get(name) or zero
        if data["due_date"] < data["issue_date"]:
            self.add_error("due_date", _("The due date cannot be before the issue date."))
        elif data["period"] > data["issue_date"].replace(day=1):
            self.add_error(
                "period", _("A bill cannot be issued before the end of its billing period's month.")
            )
        self._clean_energy(data)
        computed = (
            data["basic_charge"]
            + data["energy_charge"]
            + data["power_factor_adjustment"]
            + data["other_charges"]
        )
        total = data.get("total")
        if total is None:
            total = data["total"] = computed
        if total != computed:
            self.add_error(
                "total",
                _(
                    "The total %(total)s is not basic charge + energy charge + power factor "
                    "adjustment + other charges (%(sum)s)."
                )
                % {"total": total, "sum": computed},
            )
        elif total < 0:
            self.add_error("total", _("A bill's total cannot be negative."))
        return data

    def _clean_energy(self, data) -> None:
        parts = [data.get(name) for name in ("peak_kwh", "flat_kwh", "valley_kwh")]
        given = [p for p in parts if p is not None]
        for name in ("peak_kwh", "flat_kwh", "valley_kwh"):
            data[name] = data.get(name) or Decimal("0")
        split = data["peak_kwh"] + data["flat_kwh"] + data["valley_kwh"]
        if data.get("energy_kwh") is None:
            if not given:
                self.add_error("energy_kwh", _("This field is required."))
                return
            data["energy_kwh"] = split
        elif given and split != data["energy_kwh"]:
            self.add_error(
                "energy_kwh",
                _(
                    "Peak + flat + valley energy (%(split)s kWh) must equal the energy "
                    "(%(total)s kWh)."
                )
                % {"split": split, "total": data["energy_kwh"]},
            )


class PaymentRowForm(forms.Form):
    account_no = forms.CharField(max_length=32)
    amount = money(min_value=Decimal("0.01"))
    paid_at = LenientDateTimeField()
    channel = forms.ChoiceField(choices=PaymentChannel.choices)
    reference = forms.CharField(max_length=100)
    note = forms.CharField(max_length=300, required=False)

    def clean_paid_at(self):
        value = self.cleaned_data["paid_at"]
        problem = happened_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value


def validate_rows(
    form_class: type[forms.Form], rows: list, *, numbers: list[int] | None = None
) -> tuple[list[tuple[int, dict]], list[dict]]:
    """Validate each row with `form_class`: ([(row number, cleaned data)], [errors]).

    Rows are numbered from 1 unless `numbers` gives each row's number (file rows). A bill row
    that is plainly valid skips the form (billing.bill_rows); the form checks the others and
    words their problems.
    """
    valid: list[tuple[int, dict]] = []
    errors: list[dict] = []
    checker = BillRowChecker() if form_class is BillRowForm else None
    for index, raw in enumerate(rows):
        row_no = numbers[index] if numbers else index + 1
        if not isinstance(raw, dict):
            errors.append(row_error(row_no, "", _("Each row must be an object of fields.")))
            continue
        # JSON rows (no file numbering): amounts are strings (API.md), never JSON numbers.
        numeric = [] if numbers else _numeric_amounts(form_class, raw)
        if numeric:
            errors.extend(row_error(row_no, name, MONEY_NOT_A_STRING) for name in numeric)
            continue
        nested = sorted(str(k) for k, v in raw.items() if isinstance(v, (dict, list, tuple)))
        if nested:
            # A form field expects one value; a list or object is bad input, not a crash.
            for name in nested:
                errors.append(row_error(row_no, name, _("Give a single value, not a list.")))
            continue
        data = {k: _plain(v) for k, v in raw.items()}
        cleaned = checker.clean(data) if checker is not None else None
        if cleaned is not None:
            valid.append((row_no, cleaned))
            continue
        form = form_class(data=data)
        if form.is_valid():
            valid.append((row_no, form.cleaned_data))
            continue
        for name, messages in form.errors.items():
            for message in messages:
                errors.append(row_error(row_no, "" if name == "__all__" else name, message))
    return valid, errors


def _numeric_amounts(form_class: type[forms.Form], raw: dict) -> list[str]:
    return [
        name
        for name, form_field in form_class.base_fields.items()
        if isinstance(form_field, MoneyFormField)
        and raw.get(name) is not None
        and not isinstance(raw[name], str)
    ]


def _plain(value):
    """Spreadsheet and JSON values as the form fields expect them."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        # JSON and Excel numbers: keep the digits a person typed, not the binary fraction.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value.strip()
    return value


# --- files -----------------------------------------------------------------------------------


def read_table(upload, columns: dict[str, tuple[str, ...]]) -> list[dict | None]:
    """The rows of an uploaded .csv or .xlsx file as dicts keyed by field name (None for a
    blank line, so that row numbers stay those of the file)."""
    header, *body = tablefiles.read_rows(upload, max_bytes=MAX_FILE_BYTES)
    mapping = tablefiles.map_header(header, columns)
    if "account_no" not in mapping:
        raise FileProblem(
            _(
                "The first row must name the columns; found no account number column "
                "(account_no or 户号)."
            )
        )
    rows = [
        None if tablefiles.is_blank(cells) else tablefiles.cells_by_field(cells, mapping)
        for cells in body
    ]
    if len([r for r in rows if r is not None]) > MAX_FILE_ROWS:
        raise FileProblem(_("The file has more than %(n)d rows; split it.") % {"n": MAX_FILE_ROWS})
    return rows


def numbered(rows: list) -> tuple[list[dict], list[int]]:
    """Drop blank rows of a file, keeping each row's spreadsheet number (header = 1)."""
    kept, numbers = [], []
    for index, row in enumerate(rows):
        if row is not None:
            kept.append(row)
            numbers.append(index + 2)
    return kept, numbers
