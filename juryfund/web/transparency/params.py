"""Query strings of the transparency pages: lenient, never fails.

Query strings come from anywhere: a filter with a bad value is ignored (the default applies),
so no query string can make a page fail.
"""

from __future__ import annotations

from flask import request

from ...models import Area
from ...services import transparency
from ...services.transparency import FIRST_YEAR, LAST_YEAR
from ..areas import load_area


def int_arg(name: str) -> int | None:
    """An integer query parameter, or None when missing or not a sane whole number."""
    raw = request.args.get(name, "").strip()
    if not raw or len(raw) > 12 or not raw.isdecimal():
        return None
    try:
        return int(raw)
    except ValueError:  # digits int() does not take
        return None


def year_arg(default: int) -> int:
    """The ?year= of a page, else the default; only years a fund year may have."""
    year = int_arg("year")
    return year if year is not None and FIRST_YEAR <= year <= LAST_YEAR else default


def fund_arg(area: Area) -> int | None:
    """The ?fund= filter when it names a fund of this area; anything else means all funds."""
    fund_id = int_arg("fund")
    return fund_id if fund_id in {fund.id for fund in area.funds} else None


def decision_filters(slug: str) -> tuple[Area, int, int | None]:
    """The area of a decisions list with its ?year= (default: this year) and ?fund= filters."""
    area = load_area(slug)
    return area, year_arg(transparency.current_year(area)), fund_arg(area)
