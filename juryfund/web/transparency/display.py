"""How the transparency pages word and show things: labels, the balances shown, template helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models import Area

#: What a funded project's state means to the public.
PROJECT_STATE_LABELS = {
    "approved": _l("Funded"),
    "settled": _l("Settled"),
    "cancelled": _l("Cancelled"),
}
#: The balances, in the order of the chart and the tables. A closed year has nothing
#: "available" (its table cell stays empty); what it gave up lapsed or was carried over.
SERIES = (
    ("allocated", _l("Allocated")),
    ("committed", _l("Committed")),
    ("paid", _l("Paid")),
    ("available", _l("Available")),
    ("lapsed_or_carried", _l("Lapsed or carried over")),
)


def shows(line, key: str) -> bool:
    """Whether a fund year's line shows this balance: a closed year never shows "available",
    an open one shows "lapsed or carried over" only when something did."""
    if key == "available":
        return not getattr(line, "closed", False)
    if key == "lapsed_or_carried":
        return getattr(line, "closed", False) or line.balances.lapsed_or_carried != 0
    return True


def shows_total(lines, key: str) -> bool:
    """Whether a table's total row shows this balance: when any of its lines does."""
    return any(shows(line, key) for line in lines)


def day_of(area: Area) -> Callable[[datetime], date]:
    """A template helper: the calendar day of a UTC moment in the area's time zone."""
    zone = ZoneInfo(area.timezone)
    return lambda moment: moment.astimezone(zone).date()


def who(decision) -> str:
    """The published applicant, or "private initiative"."""
    return decision.applicant or _("Private initiative")
