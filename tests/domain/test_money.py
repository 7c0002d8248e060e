"""Money: parsing user input per locale, refusals, formatting and round trips."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given, settings
from hypothesis import strategies as st

from juryfund.domain.errors import MoneyError
from juryfund.domain.money import (
    MAX_CENTS,
    cents_to_decimal,
    format_amount_for_input,
    format_euros,
    format_money,
    parse_money,
)

pytestmark = pytest.mark.domain

LOCALES = ["de", "en", "tr", "ar", "uk", "ru", "pl"]
NBSP, NNBSP, RLM = "\u00a0", "\u202f", "\u200f"

PARSE_CASES = [
    # German: "." groups, "," decimals.
    ("de", "1.234,50", 123450),
    ("de", "1234,5", 123450),
    ("de", "1234,50", 123450),
    ("de", "12", 1200),
    ("de", "0", 0),
    ("de", "0,01", 1),
    ("de", ",5", 50),
    ("de", "1.500", 150000),
    ("de", "1.234.567,89", 123456789),
    ("de", "  1.234,50 € ", 123450),
    ("de", "€ 12", 1200),
    ("de", "12 EUR", 1200),
    ("de", "eur12", 1200),
    ("de", "12 Euro", 1200),
    ("de", "12,-", 1200),
    ("de", "12,--", 1200),
    ("de", "1 234,50", 123450),
    ("de", f"1.234,50{NBSP}€", 123450),
    ("de", "+12", 1200),
    ("de", "007", 700),
    ("de", "100.000.000", MAX_CENTS),
    # English: "," groups, "." decimals.
    ("en", "1,234.50", 123450),
    ("en", "1234.5", 123450),
    ("en", "€1,234.50", 123450),
    ("en", "1,500", 150000),
    ("en", "12", 1200),
    ("en", ".99", 99),
    # Turkish: like German.
    ("tr", "1.234,50", 123450),
    ("tr", "€1.234,50", 123450),
    ("tr", "1234,5", 123450),
    # Arabic: Babel's own format, Arabic separators and digits, and plain ASCII input.
    ("ar", "1,234.50", 123450),
    ("ar", f"{RLM}1,234.50{NBSP}€", 123450),
    ("ar", "1234.50", 123450),
    ("ar", "1234,50", 123450),
    ("ar", "1234,5", 123450),
    ("ar", "1,234", 123400),
    ("ar", "1٬234٫50", 123450),
    ("ar", "١٢٣٤٫٥٠", 123450),
    ("ar", "١٬٢٣٤٫٥", 123450),
    ("ar", "۱۲۳۴", 123400),
    ("ar", "١٢ €", 1200),
    # Ukrainian, Russian, Polish: spaces group (any kind of space), "," decimals.
    ("uk", f"1{NBSP}234,50", 123450),
    ("uk", "1 234,50", 123450),
    ("uk", f"1{NBSP}234,50{NBSP}EUR", 123450),
    ("uk", "1234,5", 123450),
    ("ru", f"1{NBSP}234{NBSP}567,89", 123456789),
    ("ru", "1 234,50 €", 123450),
    ("ru", f"1{NNBSP}234,50", 123450),
    ("pl", "1 234,50", 123450),
    ("pl", "1234,50 €", 123450),
    ("pl", f"1{NNBSP}234", 123400),
    # Region variants of the locale are fine.
    ("de_DE", "1.234,50", 123450),
    ("en-GB", "1,234.50", 123450),
]


@pytest.mark.parametrize(
    ("locale", "text", "cents"),
    PARSE_CASES,
    ids=[f"{loc}-{text!r}" for loc, text, _ in PARSE_CASES],
)
def test_parse_money_accepts(locale, text, cents):
    assert parse_money(text, locale) == cents


REFUSALS = [
    ("de", "", "money.empty"),
    ("de", "   ", "money.empty"),
    ("de", "€", "money.empty"),
    ("de", f"{NBSP}{RLM}", "money.empty"),
    ("de", "abc", "money.invalid"),
    ("de", "1.2.3", "money.invalid"),
    ("de", "1.5", "money.invalid"),
    ("de", "1234.50", "money.invalid"),
    ("de", "1,2,3", "money.invalid"),
    ("de", "12,", "money.invalid"),
    ("de", ",", "money.invalid"),
    ("de", "1.234 567", "money.invalid"),
    ("de", "1,23.4", "money.invalid"),
    ("de", "12 34", "money.invalid"),
    ("de", "€12€", "money.invalid"),
    ("de", "--12", "money.invalid"),
    ("de", "12e3", "money.invalid"),
    ("de", "0x10", "money.invalid"),
    ("de", "1_000", "money.invalid"),
    ("de", "１２", "money.invalid"),
    ("de", "$12", "money.invalid"),
    ("en", "1,5", "money.invalid"),
    ("en", "1.2.3", "money.invalid"),
    ("en", "1,234,5", "money.invalid"),
    ("ru", "1.234,50", "money.invalid"),
    ("ar", "1,2,3", "money.invalid"),
    ("de", "-5", "money.negative"),
    ("de", "-1.234,50 €", "money.negative"),
    ("en", "€-12", "money.negative"),
    ("en", "\u221212.00", "money.negative"),
    ("de", "nan", "money.not_finite"),
    ("de", "NaN", "money.not_finite"),
    ("en", "inf", "money.not_finite"),
    ("en", "-Infinity", "money.not_finite"),
    ("en", "∞", "money.not_finite"),
    ("de", "1,234", "money.too_many_decimals"),
    ("de", "0,001", "money.too_many_decimals"),
    ("en", "12.500", "money.too_many_decimals"),
    ("ar", "1234,567", "money.too_many_decimals"),
    ("de", "100.000.000,01", "money.too_large"),
    ("en", "100000001", "money.too_large"),
    ("en", "9" * 5000, "money.too_large"),
    ("en", "0" * 50 + "100000000.01", "money.too_large"),
]


@pytest.mark.parametrize(
    ("locale", "text", "reason"),
    REFUSALS,
    ids=[f"{reason}-{loc}-{text[:20]!r}" for loc, text, reason in REFUSALS],
)
def test_parse_money_refuses(locale, text, reason):
    with pytest.raises(MoneyError) as caught:
        parse_money(text, locale)
    assert caught.value.reason == reason


def test_parse_money_error_carries_field():
    with pytest.raises(MoneyError) as caught:
        parse_money("abc", "de", field="requested_amount")
    assert caught.value.field == "requested_amount"
    assert str(caught.value) == "money.invalid"


def test_parse_money_too_large_names_maximum():
    with pytest.raises(MoneyError) as caught:
        parse_money("1000000000", "en")
    assert caught.value.params == {"maximum_cents": MAX_CENTS}


def test_parse_money_non_string_raises_type_error():
    with pytest.raises(TypeError):
        parse_money(12.5, "de")  # type: ignore[arg-type]


FORMAT_CASES = [
    ("de", 123450, "1.234,50 €"),
    ("en", 123450, "€1,234.50"),
    ("tr", 123450, "€1.234,50"),
    ("ar", 123450, "1,234.50 €"),
    ("uk", 123450, "1 234,50 €"),
    ("ru", 123450, "1 234,50 €"),
    ("pl", 123450, "1 234,50 €"),
    ("de", 0, "0,00 €"),
    ("de", 5, "0,05 €"),
    ("en", 150000, "€1,500.00"),
    ("de", -2500, "-25,00 €"),
]


def normalise_spacing(text: str) -> str:
    """Replace Babel's no-break spaces by spaces and drop bidi marks, for readable expectations."""
    text = text.replace(NBSP, " ").replace(NNBSP, " ")
    return text.replace(RLM, "").replace("\u200e", "").replace("\u061c", "")


@pytest.mark.parametrize(
    ("locale", "cents", "expected"),
    FORMAT_CASES,
    ids=[f"{loc}-{cents}" for loc, cents, _ in FORMAT_CASES],
)
def test_format_money_uses_babel_currency_format(locale, cents, expected):
    assert normalise_spacing(format_money(cents, locale)) == expected


def test_format_money_german_uses_no_break_space_before_sign():
    assert format_money(123450, "de") == f"1.234,50{NBSP}€"


def test_format_money_other_currency():
    assert normalise_spacing(format_money(1000, "de", currency="USD")) == "10,00 $"


@pytest.mark.parametrize(
    ("locale", "cents", "expected"),
    [
        ("de", 123450, "1234,50"),
        ("en", 123450, "1234.50"),
        ("tr", 5, "0,05"),
        ("ar", 123450, "1234.50"),
        ("uk", 100, "1,00"),
        ("ru", 0, "0,00"),
        ("pl", MAX_CENTS, "100000000,00"),
    ],
    ids=lambda value: str(value),
)
def test_format_amount_for_input_plain_number(locale, cents, expected):
    assert format_amount_for_input(cents, locale) == expected


@pytest.mark.parametrize(
    ("locale", "cents", "expected"),
    [
        ("de", 150000, "1.500"),
        ("de", 150050, "1.500,50"),
        ("en", 500000000, "5,000,000"),
        ("ar", 150000, "1,500"),
        ("uk", 150000, "1" + NBSP + "500"),
        ("pl", 5, "0,05"),
    ],
)
def test_format_euros_is_the_number_alone_whole_euros_without_cents(locale, cents, expected):
    """Easy-to-read sentences say "1.500 Euro": no sign, and no ",00" to read past."""
    assert format_euros(cents, locale) == expected
    assert "€" not in format_euros(cents, locale)


@pytest.mark.parametrize(
    ("cents", "expected"),
    [
        (0, Decimal("0.00")),
        (5, Decimal("0.05")),
        (123450, Decimal("1234.50")),
        (-100, Decimal("-1.00")),
    ],
    ids=["zero", "five-cents", "thousands", "negative"],
)
def test_cents_to_decimal_exact(cents, expected):
    result = cents_to_decimal(cents)
    assert result == expected
    assert str(result) == str(expected)


@pytest.mark.parametrize("value", [1.5, True, "12", Decimal("1")], ids=repr)
def test_cents_to_decimal_refuses_non_int(value):
    with pytest.raises(TypeError):
        cents_to_decimal(value)


@pytest.mark.parametrize("locale", LOCALES)
@settings(max_examples=60, deadline=None)
@given(cents=st.integers(min_value=0, max_value=MAX_CENTS))
def test_parse_money_round_trips_input_format(locale, cents):
    assert parse_money(format_amount_for_input(cents, locale), locale) == cents


@pytest.mark.parametrize("locale", LOCALES)
@settings(max_examples=40, deadline=None)
@given(cents=st.integers(min_value=0, max_value=MAX_CENTS))
def test_parse_money_round_trips_display_format(locale, cents):
    # Someone copying a displayed amount back into a form gets the same amount.
    assert parse_money(format_money(cents, locale), locale) == cents


@pytest.mark.parametrize("cents", [0, 1, 99, 100, 123450, MAX_CENTS], ids=str)
def test_parse_money_round_trips_arabic_numbering_system(cents):
    # Babel's "arab" numbering system uses U+066B/U+066C separators; another Babel version may
    # make it the default for "ar", so it must be understood either way.
    text = format_currency(cents_to_decimal(cents), "EUR", locale="ar", numbering_system="arab")
    assert parse_money(text, "ar") == cents


@pytest.mark.parametrize("locale", ["de", "en", "tr", "ar", "uk", "ru", "pl", "de_DE", "en-GB"])
@given(cents=st.integers(min_value=-MAX_CENTS * 10, max_value=MAX_CENTS * 10))
@settings(max_examples=300)
def test_format_money_fast_path_equals_babel(locale, cents):
    """The cached layout writes every amount exactly as Babel does, in every offered language."""
    from juryfund.domain.money import _babel_money

    assert format_money(cents, locale) == _babel_money(cents, locale, "EUR")


@pytest.mark.parametrize(
    "cents", [0, 1, 99, 100, 999_99, 1_000_00, 9_999_99, 10_000_00, 123_456_78, -1_000_00]
)
@pytest.mark.parametrize("locale", ["de", "en", "tr", "ar", "uk", "ru", "pl"])
def test_format_money_fast_path_at_grouping_boundaries(locale, cents):
    from juryfund.domain.money import _babel_money

    assert format_money(cents, locale) == _babel_money(cents, locale, "EUR")
