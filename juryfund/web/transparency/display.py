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
#: "available" (its table cell stays empty); what it gave up lapsed or was carried over. Money
#: of a closed year's project that came back later is "returned" into the open year, so that
#: allocated + returned - committed - lapsed or carried = available (DESIGN.md §5).
SERIES = (
    ("allocated", _l("Allocated")),
    ("returned", _l("Returned from closed years")),
    ("committed", _l("Committed")),
    ("paid", _l("Paid")),
    ("available", _l("Available")),
    ("lapsed_or_carried", _l("Lapsed or carried over")),
)


#: Series a table leaves out altogether unless one of its lines shows them (table_series).
RARE_SERIES = frozenset({"returned"})


def shows(line, key: str) -> bool:
    """Whether a fund year's line shows this balance: a closed year never shows "available",
    an open one shows "lapsed or carried over" only when something did, and any year shows
    "returned from closed years" only when something came back."""
    if key == "available":
        return not getattr(line, "closed", False)
    if key == "lapsed_or_carried":
        return getattr(line, "closed", False) or line.balances.lapsed_or_carried != 0
    if key in RARE_SERIES:  # shown only when something came back
        return getattr(line.balances, key) != 0
    return True


def shows_total(lines, key: str) -> bool:
    """Whether a table's total row shows this balance: when any of its lines does."""
    return any(shows(line, key) for line in lines)


def table_series(series, lines) -> list[tuple[str, object]]:
    """The columns of a table that gives every line all its series (a dash where a line does
    not show one): each series, but a rare one only when a line shows it."""
    return [
        (key, label) for key, label in series if key not in RARE_SERIES or shows_total(lines, key)
    ]


def has_budget(balances) -> bool:
    """Whether a fund year reads as having a budget on the public pages and the ballot: money
    was given to it (its allocation, an adjustment, money carried in) or is available in it
    (money of a closed year that came back and stays).

    The books also make a year without any (ledger.current_fund_year) to hold a payment, a
    return that lapses at once, of a closed year's project before the new year's budget is
    set: such a year reads "no budget set for this year yet", like no year at all, not
    "0 € available" as if its money were used up."""
    return balances.allocated > 0 or balances.available > 0


def day_of(area: Area) -> Callable[[datetime], date]:
    """A template helper: the calendar day of a UTC moment in the area's time zone."""
    zone = ZoneInfo(area.timezone)
    return lambda moment: moment.astimezone(zone).date()


def who(decision) -> str:
    """The published applicant, or "private initiative"."""
    return decision.applicant or _("Private initiative")
