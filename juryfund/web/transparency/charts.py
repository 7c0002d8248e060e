"""The budget chart: the geometry of an SVG bar chart, laid out for the page's direction."""

from __future__ import annotations

from dataclasses import dataclass

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


def budget_chart(budget: Budget, *, rtl: bool) -> Chart:
    """Lay out a horizontal bar chart of the budget, mirrored for right-to-left pages.

    Bars are scaled to the largest value; each carries its label and value as text, so the
    chart reads without colour. In RTL the x coordinates are mirrored and, because the SVG's
    direction is set too, text-anchor "start" then means the right edge.
    """
    bar_start = LABEL_COLUMN + 10
    bar_room = CHART_WIDTH - bar_start - VALUE_COLUMN
    biggest = max(
        (getattr(line.balances, key) for line in budget.lines for key, _label in SERIES),
        default=0,
    )
    scale = bar_room / biggest if biggest > 0 else 0

    def place(x: float, width: float = 0) -> float:
        return CHART_WIDTH - x - width if rtl else x

    headings, bars, sentences = [], [], []
    y = 0
    for line in budget.lines:
        headings.append((place(4), y + 18, line.fund_name))
        y += HEADING_HEIGHT
        parts = []
        for key, label in SERIES:
            if not shows(line, key):
                continue
            amount = getattr(line.balances, key)
            width = max(amount, 0) * scale
            text = money(amount)
            bars.append(
                Bar(
                    y=y,
                    x=place(bar_start, width),
                    width=round(width, 1),
                    label=str(label),
                    value=text,
                    label_x=place(4),
                    value_x=place(bar_start + width + 6),
                    series=key,
                )
            )
            parts.append(f"{label} {text}")
            y += BAR_STEP
        sentences.append(f"{line.fund_name}: {', '.join(parts)}.")
        y += GROUP_GAP
    return Chart(
        width=CHART_WIDTH,
        height=max(y, 1),
        headings=headings,
        bars=bars,
        direction="rtl" if rtl else "ltr",
        description=" ".join(sentences),
    )
