"""Validation of the unified social credit code (GB 32100) and Chinese mobile numbers."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

# GB 32100 alphabet: digits and capitals without I, O, Z, S, V.
USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")


def normalize_credit_code(value: str) -> str:
    return "".join((value or "").split()).replace("-", "").upper()


def credit_code_problem(value: str) -> tuple[str, str] | None:
    """Why `value` (already normalised) is not a valid code, as (code, message), or None.

    The code is one of `length`, `characters`, `division`, `checksum`.

    python-stdnum's `validate` insists the first eight characters are digits, which rejects
    valid codes whose registration authority is a letter (e.g. `A1…`, `N2…`, `Y1…`), so only its
    check-character computation is used and the format is checked here.
    """
    if len(value) != 18:
        return "length", str(
            _("A unified social credit code has 18 characters (this one has %(n)d).")
            % {"n": len(value)}
        )
    bad = sorted({c for c in value if c not in USCC_ALPHABET})
    if bad:
        return "characters", str(
            _(
                "Characters not allowed in a unified social credit code: %(chars)s "
                "(only 0–9 and A–Z without I, O, Z, S, V)."
            )
            % {"chars": " ".join(bad)}
        )
    if not value[2:8].isdigit():
        return "division", str(
            _("Characters 3 to 8 (the administrative division code) must be digits.")
        )
    expected = uscc.calc_check_digit(value[:17])
    if value[17] != expected:
        return "checksum", str(
            _("The check character is wrong: expected %(expected)s, got %(got)s.")
            % {"expected": expected, "got": value[17]}
        )
    return None


def validate_credit_code(value: str) -> None:
    problem = credit_code_problem(normalize_credit_code(value))
    if problem:
        raise ValidationError(problem[1], code="invalid_credit_code")


def normalize_mobile(value: str) -> str:
    """A Chinese mobile number as +86 E.164, or ValidationError."""
    raw = (value or "").strip()
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter a Chinese mobile number, e.g. 13812345678."), code="invalid_mobile"
        ) from exc
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("%(value)s is not a valid Chinese mobile number.") % {"value": raw},
            code="invalid_mobile",
        )
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(
            _("%(value)s is not a mobile number (a landline cannot receive SMS).") % {"value": raw},
            code="landline",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_mobile(value: str) -> None:
    normalize_mobile(value)
