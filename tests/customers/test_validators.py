"""Unified social credit codes (GB 32100) and Chinese mobile numbers."""

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from customers.validators import (
    credit_code_problem,
    normalize_credit_code,
    normalize_mobile,
    validate_credit_code,
)

VALID_CODES = [
    "91110108MA01ABCD1E",  # enterprise registered with the market regulator
    "91350100M000100Y43",
    "12100000400000362A",  # public institution
    "Y1110000MA01XYW0KH",  # registration authority "Y" (other): a letter, still valid
    "A1310115MA1K4WQ8XM",
    "N2440300MA5DC1E12C",
]


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_code_passes(code):
    assert credit_code_problem(code) is None
    validate_credit_code(code)


def test_codes_of_letter_authorities_are_the_ones_python_stdnum_refuses():
    # Why the format is checked here and only the check character comes from python-stdnum.
    assert not uscc.is_valid("Y1110000MA01XYW0KH")
    assert credit_code_problem("Y1110000MA01XYW0KH") is None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("91110108ma01abcd1e", "91110108MA01ABCD1E"),
        (" 9111 0108-MA01 ABCD1E ", "91110108MA01ABCD1E"),
        ("", ""),
        (None, ""),
    ],
)
def test_code_is_normalised_to_capitals_without_spaces_or_dashes(raw, normalised):
    assert normalize_credit_code(raw) == normalised


def test_lowercase_code_is_valid_once_normalised():
    assert credit_code_problem(normalize_credit_code("91110108ma01abcd1e")) is None
    validate_credit_code("91110108ma01abcd1e")


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91110108MA01ABCD1F", "checksum"),  # wrong check character
        ("91110108MA01ABCD1", "length"),  # 17 characters
        ("91110108MA01ABCD1EE", "length"),  # 19 characters
        ("", "length"),
        ("91110108MA01ABCDIE", "characters"),  # I
        ("91110108MA01ABCDOE", "characters"),  # O
        ("91110108MA01ABCDZE", "characters"),  # Z
        ("91110108MA01ABCDSE", "characters"),  # S
        ("91110108MA01ABCDVE", "characters"),  # V
        ("911101O8MA01ABCD1E", "characters"),
        ("9111A108MA01ABCD1E", "division"),  # the division code must be digits
        ("91110108MA01ABCD1€", "characters"),
    ],
)
def test_invalid_code_is_refused_with_its_reason(code, problem):
    found = credit_code_problem(code)
    assert found is not None
    assert found[0] == problem
    with pytest.raises(ValidationError):
        validate_credit_code(code)


def test_checksum_message_names_the_expected_character():
    _, message = credit_code_problem("91110108MA01ABCD1F")
    assert "E" in message and "F" in message


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("+8613812345678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("19912345678", "+8619912345678"),
        ("16612345678", "+8616612345678"),
    ],
)
def test_mobile_is_stored_as_plus_86_e164(raw, e164):
    assert normalize_mobile(raw) == e164


@pytest.mark.parametrize(
    "raw",
    [
        "1381234567",  # too short
        "138123456789",  # too long
        "12345678901",  # no such mobile prefix
        "+14155552671",  # a US number
        "+85291234567",  # Hong Kong: not a mainland mobile
        "not a number",
        "",
    ],
)
def test_invalid_or_landline_mobile_is_refused(raw):
    with pytest.raises(ValidationError) as excinfo:
        normalize_mobile(raw)
    assert excinfo.value.code == "invalid_mobile"


@pytest.mark.parametrize("raw", ["01088889999", "+86 21 6888 9999", "075588889999"])
def test_landline_is_refused_because_it_cannot_receive_sms(raw):
    with pytest.raises(ValidationError) as excinfo:
        normalize_mobile(raw)
    assert excinfo.value.code == "landline"
