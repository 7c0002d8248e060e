"""An area's "Easy to read" page (Einfach erklärt): the funds, who decides, how to apply and
what happens after, in short sentences (Leichte Sprache / Easy Read) with the area's figures."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, render_template
from sqlalchemy import select

from ...domain.budget import Balances
from ...extensions import db
from ...infra import clock
from ...models import Area, Fund, FundSession
from ...services import areatexts, sessions, transparency
from ..i18n import current_language
from ..pagecache import public_page
from ..transparency.display import has_budget
from .routes import bp


@dataclass(frozen=True)
class EasyFund:
    """One open fund as the easy page tells it: its rules, this year's money, its next session."""

    fund: Fund
    #: This year's money; None while the fund has no budget for the year (has_budget).
    balances: Balances | None
    #: The year is closed: its figures are final and nothing is "still free".
    closed: bool
    next_session: FundSession | None


@bp.get("/<slug>/easy")
@public_page
def easy(slug: str):
    """The area's "Easy to read" page in the visitor's language, with its real funds and dates."""
    area = db.session.scalar(select(Area).where(Area.slug == slug)) or abort(404)
    g.area = area
    today = clock.area_today(area)
    funds = [fund for fund in area.funds if fund.active]
    money = {line.fund_id: line for line in transparency.budget(area, today.year).lines}
    coming = sessions.upcoming_by_fund([f.id for f in funds], today, limit=1)
    shown = [
        EasyFund(
            fund=fund,
            # A year the books made without a budget reads like no year (display.has_budget).
            balances=money[fund.id].balances
            if fund.id in money and has_budget(money[fund.id].balances)
            else None,
            closed=fund.id in money and money[fund.id].closed,
            next_session=(coming.get(fund.id) or [None])[0],
        )
        for fund in funds
    ]
    # Which bodies decide here, in the order the funds name them: the text says "the jury",
    # "the neighbourhood council" or both.
    kinds = list(dict.fromkeys(f.body.kind for f in funds if f.body is not None))
    return render_template(
        "public/easy.html",
        area=area,
        funds=shown,
        kinds=kinds,
        this_year=today.year,
        texts=areatexts.for_page(area, current_language()),
    )
