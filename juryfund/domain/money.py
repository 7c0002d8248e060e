"""Money as integer cents: parsing user input and formatting output in the user's locale.

Money is never a float anywhere in juryfund (DESIGN.md §5). Input is read with the decimal and
group symbols Babel knows for the locale; output is formatted by Babel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, format_decimal, get_decimal_symbol, get_group_symbol

from .errors import MoneyError

__all__ = [
    "MAX_CENTS",
    "bounded_sum",
    "cents_to_decimal",
    "check_bound",
    "format_amount_for_input",
    "format_euros",
    "format_money",
    "parse_money",
]

#: 100 million euros. Anything above is a typing accident, not a neighbourhood fund. The one
#: bound for every amount: typed, multiplied (quantity x unit price) or summed (a cost plan, a
#: receipt list, a fund year's money); the 64-bit columns hold it with room to spare.
MAX_CENTS = 100_000_000_00

# Number of integer digits above which a value is certainly too large; checked before int() so
# that a pasted wall of digits is refused cheaply (and never hits Python's int/str digit limit).
_MAX_INTEGER_DIGITS = len(str(MAX_CENTS // 100))

# Marks that are invisible but end up in copied text, notably around right-to-left numbers
# (Babel itself prefixes Arabic amounts with U+200F RIGHT-TO-LEFT MARK).
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069\ufeff",
    ),
    None,
)
# Arabic-Indic (U+0660..) and Extended Arabic-Indic (U+06F0.., Persian/Urdu) digits.
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_NORMALISE = {**_INVISIBLE, **_DIGITS}

# Spaces people and Babel use between digit groups: space, no-break, narrow no-break, thin, figure.
_SPACES = " \u00a0\u202f\u2009\u2007"
# The Arabic decimal and thousands separators mean the same in every locale.
_ARABIC_DECIMAL = "\u066b"
_ARABIC_GROUP = "\u066c"

_MINUS = "-\u2212\u2012\u2013"  # hyphen-minus, minus sign, figure dash, en dash
_SHAPE = re.compile(
    rf"(?P<sign1>[{_MINUS}+])?\s*(?P<cur1>€|euro|eur)?\s*(?P<sign2>[{_MINUS}+])?\s*"
    rf"(?P<body>.*?)\s*(?P<cur2>€|euro|eur)?",
    re.IGNORECASE | re.DOTALL,
)
_NOT_FINITE = frozenset({"nan", "snan", "qnan", "inf", "infinity", "∞"})


@lru_cache(maxsize=64)
def _symbols(locale: str) -> tuple[str, str, str]:
    # Babel's locale data lookups are not free; forms call this on every request.
    parsed = Locale.parse(locale.replace("-", "_"))
    return get_decimal_symbol(parsed), get_group_symbol(parsed), parsed.language


def _split(body: str, decimal: str, group: str) -> tuple[str, str] | None:
    """Split ``body`` into integer and fraction digits; None if it is not a well-formed number."""
    decimals = {decimal, _ARABIC_DECIMAL}
    groups = {group, _ARABIC_GROUP, *_SPACES} - decimals
    allowed = set("0123456789") | decimals | groups
    if any(ch not in allowed for ch in body):
        return None
    positions = [i for i, ch in enumerate(body) if ch in decimals]
    if len(positions) > 1:
        return None
    if positions:
        integer, fraction = body[: positions[0]], body[positions[0] + 1 :]
        if not fraction or not fraction.isascii() or not fraction.isdigit():
            return None  # "12," or group separators after the decimal point
    else:
        integer, fraction = body, ""
    used_groups = {"space" if ch in _SPACES else ch for ch in integer if ch in groups}
    if len(used_groups) > 1:
        return None  # "1.234 567": two different group separators
    if used_groups:
        # Groups must be exactly three digits: this is what makes "1.5" in German (or "1,5" in
        # English) a refusal instead of a silent factor of a thousand.
        separator = "[" + re.escape("".join(groups)) + "]"
        if not re.fullmatch(rf"[0-9]{{1,3}}(?:{separator}[0-9]{{3}})+", integer):
            return None
        integer = "".join(ch for ch in integer if ch.isdigit())
    elif not integer:
        if not fraction:
            return None
        integer = "0"  # ",50" is fifty cents
    return integer, fraction


def _candidates(decimal: str, group: str, language: str) -> list[tuple[str, str]]:
    conventions = [(decimal, group)]
    if language == "ar":
        # Arabic speakers type Latin digits with either a point or a comma as decimal mark. The
        # locale's own reading comes first (so "1,234" stays 1234, as Babel formats it), then the
        # English one, then the comma as decimal mark: reached only when no grouping reading
        # fits, as in "1234,50", so it never reinterprets a well-formed amount.
        conventions += [(".", ","), (",", ".")]
    return conventions


def parse_money(text: str, locale: str, *, field: str | None = None) -> int:
    """Parse an amount typed in ``locale`` into integer cents; refuse with MoneyError."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    decimal, group, language = _symbols(str(locale))
    cleaned = text.translate(_NORMALISE).strip()
    if not cleaned:
        raise MoneyError("money.empty", field=field)

    shape = _SHAPE.fullmatch(cleaned)
    assert shape is not None  # the pattern matches any string; the groups may be empty
    signs = [s for s in (shape["sign1"], shape["sign2"]) if s]
    if len(signs) > 1 or (shape["cur1"] and shape["cur2"]):
        raise MoneyError("money.invalid", field=field)
    negative = bool(signs) and signs[0] != "+"
    body = shape["body"]
    if not body:
        raise MoneyError("money.empty", field=field)  # only a sign and/or a currency
    # German price notation "12,-" / "12,--" means whole euros.
    body = re.sub(rf"{re.escape(decimal)}(?:--?|–|—)$", decimal + "00", body)

    if body.casefold() in _NOT_FINITE:
        raise MoneyError("money.not_finite", field=field)

    parts = None
    for dec, grp in _candidates(decimal, group, language):
        parts = _split(body, dec, grp)
        if parts is not None:
            break
    if parts is None:
        raise MoneyError("money.invalid", field=field)
    integer, fraction = parts

    if negative:
        raise MoneyError("money.negative", field=field)
    if len(fraction) > 2:
        raise MoneyError("money.too_many_decimals", field=field)
    integer = integer.lstrip("0")
    if len(integer) > _MAX_INTEGER_DIGITS:
        raise MoneyError("money.too_large", field=field, maximum_cents=MAX_CENTS)
    cents = int(integer or "0") * 100 + int(fraction.ljust(2, "0"))
    if cents > MAX_CENTS:
        raise MoneyError("money.too_large", field=field, maximum_cents=MAX_CENTS)
    return cents


def check_bound(cents: int, *, field: str | None = None, reason: str = "money.too_large") -> int:
    """Return ``cents``; refuse an amount above MAX_CENTS with MoneyError(reason) on ``field``."""
    if cents > MAX_CENTS:
        raise MoneyError(reason, field=field, maximum_cents=MAX_CENTS)
    return cents


def bounded_sum(
    amounts: Iterable[tuple[int, str | None]], *, reason: str = "money.total_too_large"
) -> int:
    """Sum (cents, field) pairs; MoneyError on the field of the amount that passes MAX_CENTS."""
    # The running total names the line that tips it over, so the error sits next to a field
    # the user can change rather than above the whole form.
    total = 0
    for cents, field in amounts:
        total = check_bound(total + cents, field=field, reason=reason)
    return total


def cents_to_decimal(cents: int) -> Decimal:
    """Turn integer cents into an exact Decimal of euros with two places (123450 -> 1234.50)."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be int, not {type(cents).__name__}")
    return Decimal(cents).scaleb(-2)


def format_money(cents: int, locale: str, currency: str = "EUR") -> str:
    """Format integer cents as a currency amount for display, e.g. "1.234,50 €" in German."""
    layout = _money_layout(str(locale).replace("-", "_"), currency)
    if layout is None or isinstance(cents, bool) or not isinstance(cents, int):
        return _babel_money(cents, locale, currency)
    whole, part = divmod(abs(cents), 100)
    digits = str(whole)
    if len(digits) >= layout.min_grouped_digits:
        digits = f"{whole:,}".replace(",", layout.group)
    prefix, suffix = layout.negative if cents < 0 else layout.positive
    return f"{prefix}{digits}{layout.decimal}{part:02d}{suffix}"


#: The sign every language shows for a currency whose locale data writes only its code.
#: Ukrainian CLDR data writes "1 234,50 EUR" where every other offered language writes "€";
#: residents compare amounts across languages and letters, so the euro is always "€".
_SIGNS = {"EUR": "€"}


def _babel_money(cents: int, locale: str, currency: str) -> str:
    """Babel's own formatting, with "€" for the euro in every language: the reference the
    fast path must always equal."""
    text = format_currency(
        cents_to_decimal(cents), currency, locale=Locale.parse(str(locale).replace("-", "_"))
    )
    sign = _SIGNS.get(currency)
    return text.replace(currency, sign) if sign else text


class _MoneyLayout:
    """How a locale writes an amount, read once from Babel's output for a sample amount."""

    __slots__ = ("decimal", "group", "min_grouped_digits", "negative", "positive")

    def __init__(
        self,
        group: str,
        decimal: str,
        min_grouped_digits: int,
        positive: tuple[str, str],
        negative: tuple[str, str],
    ) -> None:
        self.group, self.decimal, self.min_grouped_digits = group, decimal, min_grouped_digits
        self.positive, self.negative = positive, negative


# Babel parses the locale's pattern and walks it on every call (about 40 µs); pages such as the
# ballot show hundreds of amounts. The layout is learnt from Babel itself, so both agree; where
# the sample does not reveal a simple layout, every amount goes through Babel.
_SAMPLE = re.compile(r"1(?P<group>\D+)234(?P=group)567(?P<decimal>\D+)89")


@lru_cache(maxsize=64)
def _money_layout(locale: str, currency: str) -> _MoneyLayout | None:
    try:
        sample = _babel_money(123456789, locale, currency)
        negative = _babel_money(-123456789, locale, currency)
        four_digits = _babel_money(123456, locale, currency)
    except (ValueError, TypeError, LookupError):
        return None
    match = _SAMPLE.search(sample)
    if match is None:
        return None
    number = match.group(0)
    if sample.count(number) != 1 or negative.count(number) != 1:
        return None
    # Some locales (Polish, for one) group only from five integer digits on: "1234,56 zł".
    min_grouped_digits = 4 if match.group("group") in four_digits else 5
    before, _, after = sample.partition(number)
    negative_before, _, negative_after = negative.partition(number)
    layout = _MoneyLayout(
        match.group("group"),
        match.group("decimal"),
        min_grouped_digits,
        (before, after),
        (negative_before, negative_after),
    )
    return layout


def format_amount_for_input(cents: int, locale: str) -> str:
    """Format integer cents as a plain number to refill a form input, e.g. "1234,50" in German."""
    # No currency sign and no group separators: the browser's input is easier to edit without
    # them and parse_money reads the result back exactly. A negative amount keeps an ASCII "-"
    # (parse_money refuses it on purpose; only adjustments are negative).
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be int, not {type(cents).__name__}")
    decimal, _group, _language = _symbols(str(locale))
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}{decimal}{part:02d}"


def format_euros(cents: int, locale: str) -> str:
    """The number of euros without a currency sign, for a sentence that says "euros" in words
    (easy-to-read texts): whole euros without decimals ("1.500"), else with cents ("1.500,50")."""
    pattern = "#,##0" if cents % 100 == 0 else "#,##0.00"
    return format_decimal(
        cents_to_decimal(cents), format=pattern, locale=str(locale).replace("-", "_")
    )
