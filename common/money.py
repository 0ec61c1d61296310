"""Money is CNY as Decimal with two places, never floats."""

from decimal import ROUND_HALF_UP, Decimal

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
