"""One clock for the whole product: the current moment (UTC) and today in an area's time zone.

Every "now" and every "today" goes through here, so that a reference number, a fund year, a
deadline and a report agree about what day it is in the area (an application sent at 00:30 on
1 January in Berlin belongs to the new year, though the server's UTC clock still says 31
December), and so that tests can move time by replacing `now`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Where an area has no (valid) time zone of its own.
DEFAULT_TIMEZONE = "Europe/Berlin"


def now() -> datetime:
    """The current moment as an aware UTC datetime."""
    return datetime.now(UTC)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def today_in(timezone: str | None) -> date:
    """Today's date in a time zone (the default zone when it is missing or unknown)."""
    return now().astimezone(_zone(timezone or DEFAULT_TIMEZONE)).date()


def area_today(area) -> date:
    """Today in the area's own time zone (anything with a `timezone` attribute)."""
    return today_in(getattr(area, "timezone", None))


def zone(timezone: str | None) -> ZoneInfo:
    """The time zone of this name (the default zone when it is missing or unknown)."""
    return _zone(timezone or DEFAULT_TIMEZONE)


def local_day(moment: datetime, timezone: str | None) -> date:
    """The calendar day a moment falls on in a time zone."""
    return moment.astimezone(_zone(timezone or DEFAULT_TIMEZONE)).date()
