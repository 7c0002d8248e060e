"""Places of funded projects on a map: coordinates typed by staff, and who may see a pin.

A coordinate is kept as an integer number of micro-degrees (1e-6°, about 11 cm on the ground):
exact, comparable and without floating point. Typed text is read in either decimal mark
("52.520008" or "52,520008"), as people copy it from map sites or type it the German way.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum

from .errors import DomainError

#: Micro-degrees per degree.
MICRO = 1_000_000
#: The ranges of latitude and longitude, in micro-degrees (the database CHECKs say the same).
LATITUDE_LIMIT = 90 * MICRO
LONGITUDE_LIMIT = 180 * MICRO
#: More decimals than this say nothing more (a micro-degree is about 11 cm).
MAX_DECIMALS = 6
#: Longer input is not a coordinate (and would only cost time to parse).
MAX_LENGTH = 32


class PlaceKind(StrEnum):
    """What a pinned place is: a public place, or a private address shown only with consent."""

    PUBLIC = "public"
    PRIVATE = "private"


def parse_degrees(text: str | None, *, limit: int, field: str) -> int:
    """Typed degrees as micro-degrees; a DomainError naming the field when it is not one."""
    cleaned = (text or "").strip().replace(" ", "").replace("\u2212", "-").replace(",", ".")
    if not cleaned:
        raise DomainError("place.empty", field=field)
    if len(cleaned) > MAX_LENGTH:
        raise DomainError("place.invalid", field=field)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise DomainError("place.invalid", field=field) from None
    if not value.is_finite():
        raise DomainError("place.invalid", field=field)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise DomainError("place.too_many_decimals", field=field, decimals=MAX_DECIMALS)
    micro = int(value * MICRO)
    if abs(micro) > limit:
        raise DomainError("place.out_of_range", field=field, limit=limit // MICRO)
    return micro


def parse_point(latitude: str | None, longitude: str | None) -> tuple[int, int]:
    """Both coordinates as micro-degrees; every refusal at once (the first with the rest)."""
    errors: list[DomainError] = []
    parsed: list[int] = []
    for text, limit, field in (
        (latitude, LATITUDE_LIMIT, "latitude"),
        (longitude, LONGITUDE_LIMIT, "longitude"),
    ):
        try:
            parsed.append(parse_degrees(text, limit=limit, field=field))
        except DomainError as error:
            errors.append(error)
    if errors:
        errors[0].more = tuple(errors[1:])
        raise errors[0]
    return parsed[0], parsed[1]


def degrees(micro: int) -> str:
    """Micro-degrees as plain decimal degrees with six decimals (for fields and map data)."""
    sign = "-" if micro < 0 else ""
    whole, fraction = divmod(abs(micro), MICRO)
    return f"{sign}{whole}.{fraction:06d}"


def is_public(kind: str, *, consent: bool) -> bool:
    """A pin may be public when it marks a public place, or a private address with consent.

    Whether the project itself is public (funded) is the caller's other condition.
    """
    return kind == PlaceKind.PUBLIC or (kind == PlaceKind.PRIVATE and consent)
