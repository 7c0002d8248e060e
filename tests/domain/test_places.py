"""Coordinates typed by staff, and the rule which pins the public may see."""

from __future__ import annotations

import pytest

from juryfund.domain.errors import DomainError
from juryfund.domain.places import degrees, is_public, parse_degrees, parse_point

pytestmark = pytest.mark.domain

LAT = 90_000_000


@pytest.mark.parametrize(
    ("text", "micro"),
    [
        ("52.520008", 52_520_008),
        ("52,520008", 52_520_008),
        (" -13.4 ", -13_400_000),
        ("\u22120.5", -500_000),
        ("90", 90_000_000),
        ("-90.000000", -90_000_000),
        ("0", 0),
    ],
)
def test_parse_degrees_reads_both_decimal_marks(text, micro):
    assert parse_degrees(text, limit=LAT, field="latitude") == micro


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "place.empty"),
        (None, "place.empty"),
        ("abc", "place.invalid"),
        ("52.5.1", "place.invalid"),
        ("NaN", "place.invalid"),
        ("Infinity", "place.invalid"),
        ("1" * 40, "place.invalid"),
        ("90.000001", "place.out_of_range"),
        ("-91", "place.out_of_range"),
        ("1e9", "place.out_of_range"),
        ("52.5200081", "place.too_many_decimals"),
    ],
)
def test_parse_degrees_refuses_what_is_no_coordinate(text, reason):
    with pytest.raises(DomainError) as refused:
        parse_degrees(text, limit=LAT, field="latitude")
    assert (refused.value.reason, refused.value.field) == (reason, "latitude")


def test_parse_point_reports_both_fields_at_once():
    with pytest.raises(DomainError) as refused:
        parse_point("100", "x")
    errors = [refused.value, *refused.value.more]
    assert [(e.field, e.reason) for e in errors] == [
        ("latitude", "place.out_of_range"),
        ("longitude", "place.invalid"),
    ]
    assert parse_point("52.5", "180") == (52_500_000, 180_000_000)


@pytest.mark.parametrize("micro", [0, 1, -1, 52_520_008, -180_000_000, 999_999, -999_999])
def test_degrees_round_trips(micro):
    assert parse_degrees(degrees(micro), limit=180_000_000, field="x") == micro


@pytest.mark.parametrize(
    ("kind", "consent", "public"),
    [
        ("public", False, True),
        ("public", True, True),
        ("private", False, False),
        ("private", True, True),
        ("unknown", True, False),
    ],
)
def test_a_private_address_is_public_only_with_consent(kind, consent, public):
    assert is_public(kind, consent=consent) is public
