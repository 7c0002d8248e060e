"""Public pages: the start page, an area's page and the language switcher."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request
from sqlalchemy import select

from ...extensions import db
from ...infra import clock
from ...models import Area, FundYear, Round
from ...models.base import utcnow
from ...services import areatexts, ledger, sessions
from ..i18n import LANGUAGE_COOKIE, current_language
from ..pagecache import public_page
from ..redirects import safe_next_path
from ..transparency.display import has_budget

bp = Blueprint("public", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
@public_page
def index():
    """The start page: every area with a link to its page."""
    areas = db.session.scalars(select(Area).order_by(Area.name)).all()
    return render_template("public/index.html", areas=areas)


@bp.get("/privacy")
@public_page
def privacy():
    """The privacy notice: what juryfund stores, why, for how long, and the rights of the people."""
    return render_template("public/privacy.html")


@bp.get("/language/<code>")
def set_language(code: str):
    """Remember the chosen language in a cookie and go back to the page the visitor was on."""
    if code not in current_app.config["JURYFUND_LOCALES"]:
        abort(404)
    response = redirect(safe_next_path(request.args.get("next")) or "/")
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.get("/<slug>/")
@public_page
def area(slug: str):
    """An area's page: its texts in the visitor's language, its funds, caps, lead times, money left this year and next sessions."""
    area = db.session.scalar(select(Area).where(Area.slug == slug)) or abort(404)
    g.area = area
    today = clock.area_today(area)
    this_year = today.year
    funds = [fund for fund in area.funds if fund.active]
    years = db.session.scalars(
        select(FundYear).where(
            FundYear.fund_id.in_([f.id for f in funds]), FundYear.year == this_year
        )
    ).all()
    year_of_fund = {fy.fund_id: fy for fy in years}
    balances = ledger.balances_by_year([fy.id for fy in years])
    body_ids = [f.body_id for f in funds if f.body_id]
    planned = db.session.scalars(
        select(Round)
        .where(
            Round.body_id.in_(body_ids),
            Round.mode == "meeting",
            Round.meeting_at >= utcnow(),
            Round.state.in_(("draft", "open")),
        )
        .order_by(Round.meeting_at)
        .limit(5)
    ).all()
    # A year the books made without a budget (to hold a closed year's payment) reads like no
    # year yet: "no budget set for this year yet", not "0 € available" (display.has_budget).
    available = {
        f.id: balances[year_of_fund[f.id].id].available
        for f in funds
        if f.id in year_of_fund and has_budget(balances[year_of_fund[f.id].id])
    }
    return render_template(
        "public/area.html",
        area=area,
        funds=funds,
        available=available,
        sessions=planned,
        upcoming=sessions.upcoming_by_fund([f.id for f in funds], today),
        this_year=this_year,
        texts=areatexts.for_page(area, current_language()),
    )
