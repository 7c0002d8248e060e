"""The charts of the public pages: the geometry of SVG bar charts, laid out for the page's
direction (budget per fund; the annual and city reports' money per fund or area)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ...domain.budget import Balances
from ...services.transparency import Budget
from ..i18n import money
from .display import SERIES, shows


@dataclass(frozen=True)
class Bar:
    """One bar of the budget chart, laid out for the page's direction."""

    y: int
    x: float
    width: float
    label: str
    value: str
    label_x: float
    value_x: float
    series: str
    #: The index of the bar's group (its heading in ``Chart.headings``).
    group: int = 0
    #: The bar's share of the longest bar's room, 0..1 (the PDF draws bars in rows of a table).
    share: float = 0.0


@dataclass(frozen=True)
class Chart:
    """The budget chart's geometry: a group of four bars per fund."""

    width: int
    height: int
    headings: list[tuple[float, int, str]]
    bars: list[Bar]
    direction: str
    description: str


CHART_WIDTH = 720
LABEL_COLUMN = 130
VALUE_COLUMN = 150
BAR_HEIGHT = 18
BAR_STEP = 24
HEADING_HEIGHT = 28
GROUP_GAP = 14

#: Shorter names of the series where a chart's label column is narrow (the table beside the
#: chart and the budget page's terms give the whole name).
CHART_LABELS = {"returned": _l("Returned")}


def budget_chart(budget: Budget, *, rtl: bool) -> Chart:
    """Lay out a horizontal bar chart of the budget, mirrored for right-to-left pages.

    One group of bars per fund, one bar per balance the fund's line shows (see ``shows``).
    """
    return grouped_chart(
        [
            (
                line.fund_name,
                [
                    (key, str(CHART_LABELS.get(key, label)), getattr(line.balances, key))
                    for key, label in SERIES
                    if shows(line, key)
                ],
            )
            for line in budget.lines
        ],
        rtl=rtl,
    )


#: The money of a year as the annual report and the city report show it: the balances'
#: names in a funder's words ("available" is what remains; the patterns are the budget chart's).
#: A closed year shows what lapsed or was carried over instead of what remains (display.shows).
MONEY_SERIES = (
    ("allocated", _l("Budget")),
    ("returned", _l("Returned from closed years")),
    # What stays committed after settlements released the unspent part: the budget page's
    # "Committed". The report's "Approved" elsewhere is the sum of the approvals as decided.
    ("committed", _l("Committed")),
    ("paid", _l("Spent")),
    ("available", _l("Remaining")),
    ("lapsed_or_carried", _l("Lapsed or carried over")),
)


@dataclass(frozen=True)
class MoneyLine:
    """One group of a money chart or row of its table: a fund or an area, its year's balances
    and whether that year is closed (then nothing "remains"; what lapsed or was carried shows)."""

    heading: str
    balances: Balances
    closed: bool


def money_chart(lines: list[MoneyLine], *, rtl: bool) -> Chart:
    """A bar chart of budget, approved, spent and remaining (or, for a closed year, lapsed or
    carried) money per group (a fund, an area); one bar per balance the line shows."""
    return grouped_chart(
        [
            (
                line.heading,
                [
                    (key, str(CHART_LABELS.get(key, label)), getattr(line.balances, key))
                    for key, label in MONEY_SERIES
                    if shows(line, key)
                ],
            )
            for line in lines
        ],
        rtl=rtl,
    )


def grouped_chart(groups: list[tuple[str, list[tuple[str, str, int]]]], *, rtl: bool) -> Chart:
    """Lay out horizontal bars in groups (a heading, then one bar per series, amounts in cents),
    mirrored for right-to-left pages.

    Bars are scaled to the largest value; each carries its label and value as text, so the
    chart reads without colour. In RTL the x coordinates are mirrored and, because the SVG's
    direction is set too, text-anchor "start" then means the right edge.
    """
    bar_start = LABEL_COLUMN + 10
    bar_room = CHART_WIDTH - bar_start - VALUE_COLUMN
    biggest = max((amount for _heading, bars in groups for *_k, amount in bars), default=0)
    scale = bar_room / biggest if biggest > 0 else 0

    def place(x: float, width: float = 0) -> float:
        return CHART_WIDTH - x - width if rtl else x

    headings, bars, sentences = [], [], []
    y = 0
    for index, (heading, series) in enumerate(groups):
        headings.append((place(4), y + 18, heading))
        y += HEADING_HEIGHT
        parts = []
        for key, label, amount in series:
            width = max(amount, 0) * scale
            text = money(amount)
            bars.append(
                Bar(
                    y=y,
                    x=place(bar_start, width),
                    width=round(width, 1),
                    label=label,
                    value=text,
                    label_x=place(4),
                    value_x=place(bar_start + width + 6),
                    series=key,
                    group=index,
                    share=round(width / bar_room, 4),
                )
            )
            parts.append(f"{label} {text}")
            y += BAR_STEP
        sentences.append(f"{heading}: {', '.join(parts)}.")
        y += GROUP_GAP
    return Chart(
        width=CHART_WIDTH,
        height=max(y, 1),
        headings=headings,
        bars=bars,
        direction="rtl" if rtl else "ltr",
        description=" ".join(sentences),
    )
