"""The admins' city overview: every area's funds with the year's balances."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template

from ...domain.budget import Balances
from ...infra import clock
from ...services import transparency
from ...services.transparency import OverviewLine
from ..permissions import admin_required
from .blueprint import bp
from .display import SERIES, shows
from .params import year_arg


@dataclass
class AreaBlock:
    """One area of the city overview with its funds and subtotal."""

    name: str
    slug: str
    lines: list[OverviewLine]
    subtotal: Balances


@bp.get("/staff/overview")
@admin_required
def overview():
    """For admins: every area's funds with the year's balances, subtotals and city totals."""
    year = year_arg(clock.today_in(current_app.config["JURYFUND_DEFAULT_TIMEZONE"]).year)
    blocks: dict[int, AreaBlock] = {}
    for line in transparency.city_overview(year):
        block = blocks.setdefault(
            line.area_id, AreaBlock(line.area_name, line.area_slug, [], Balances())
        )
        if line.fund_id is not None:
            block.lines.append(line)
    for block in blocks.values():
        block.subtotal = transparency.sum_balances(
            line.balances for line in block.lines if line.balances is not None
        )
    return render_template(
        "transparency/overview.html",
        year=year,
        years=transparency.all_budget_years(year),
        blocks=list(blocks.values()),
        total=transparency.sum_balances(block.subtotal for block in blocks.values()),
        series=SERIES,
        shows=shows,
    )
