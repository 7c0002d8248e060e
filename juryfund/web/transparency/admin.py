"""The admins' city overview: every area's funds with the year's balances."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from sqlalchemy import select

from ...domain.budget import Balances
from ...extensions import db
from ...infra import clock
from ...models import FundYear
from ...services import transparency
from ..permissions import admin_required
from .blueprint import bp
from .display import SERIES, shows, shows_total, table_series
from .params import year_arg


@dataclass(frozen=True)
class FundLine:
    """One fund of an area in the overview: its year's balances (None without a budget) and
    whether that year is closed (then nothing is "available"; display.shows)."""

    fund_name: str
    balances: Balances | None
    closed: bool


@dataclass
class AreaBlock:
    """One area of the city overview with its funds and subtotal."""

    name: str
    slug: str
    lines: list[FundLine]
    subtotal: Balances


@bp.get("/staff/overview")
@admin_required
def overview():
    """For admins: every area's funds with the year's balances, subtotals and city totals.

    A closed year shows what lapsed or was carried, never "available" (DESIGN.md §5), as the
    public budget does; an area's subtotal and the city total show it while a line does.
    """
    year = year_arg(clock.today_in(current_app.config["JURYFUND_DEFAULT_TIMEZONE"]).year)
    closed = set(
        db.session.scalars(
            select(FundYear.fund_id).where(FundYear.year == year, FundYear.closed_at.is_not(None))
        )
    )
    blocks: dict[int, AreaBlock] = {}
    for line in transparency.city_overview(year):
        block = blocks.setdefault(
            line.area_id, AreaBlock(line.area_name, line.area_slug, [], Balances())
        )
        if line.fund_id is not None:
            block.lines.append(FundLine(line.fund_name, line.balances, line.fund_id in closed))
    for block in blocks.values():
        block.subtotal = transparency.sum_balances(
            line.balances for line in block.lines if line.balances is not None
        )
    budgeted = [line for block in blocks.values() for line in block.lines if line.balances]
    return render_template(
        "transparency/overview.html",
        year=year,
        years=transparency.all_budget_years(year),
        blocks=list(blocks.values()),
        total=transparency.sum_balances(block.subtotal for block in blocks.values()),
        series=table_series(SERIES, budgeted),
        shows=shows,
        shows_total=shows_total,
        budgeted=budgeted,
    )
