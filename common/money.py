"""Money is CNY as Decimal with two places, never floats."""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value, rounding: str = ROUND_HALF_UP) -> Decimal:
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT, rounding=rounding)


def format_cny(value) -> str:
    """¥1,234.50 for pages and exports."""
    return f"¥{to_money(value):,.2f}"


# Money in the API and in imports: ASCII digits, at most two decimals, a leading minus only
# where a negative amount is allowed. No exponent, grouping, full-width digits or spaces.
MONEY_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"
# Money is a string in the API and the JSON import, never a JSON number.
MONEY_NOT_A_STRING = gettext_lazy('Give the amount as a string, e.g. "1234.50".')
_MONEY_RE = re.compile(MONEY_PATTERN)


def money_problem(value: str, *, allow_negative: bool = False) -> str | None:
    """Why the text `value` is not an amount of money, or None."""
    if not _MONEY_RE.match(value):
        return _('Give the amount as digits with at most two decimals, e.g. "1234.50".')
    if value.startswith("-") and not allow_negative:
        return _("The amount cannot be negative.")
    return None
