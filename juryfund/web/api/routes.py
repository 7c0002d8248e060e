"""The public read-only JSON API (/api/v1/): areas, their published decisions and budgets.

GET only, so no CSRF token is involved. Every answer is JSON, errors included
(``{"error": "..."}``): a bad or out-of-range query parameter is a 400, an unknown area or fund
a 404, another method a 405. Nothing personal beyond what applicants agreed to publish.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound

from ...extensions import csrf, db
from ...infra.links import external_url
from ...models import Area
from ...services import transparency
from ...services.transparency import FIRST_YEAR, LAST_YEAR
from ..pagecache import public_page
from ..serialise import attributes
from ..transparency.serialise import decision_json
from .openapi import MAX_ID, MAX_PAGE, MAX_PER_PAGE, PER_PAGE, document

PREFIX = "/api/v1"
#: The fields of a fund in the API, in this order.
FUND_FIELDS = ("id", "name", "kind", "cap_cents", "minimum_cents", "active")
bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)


def _error_response(code: int, message: str, headers: dict | None = None):
    response = jsonify({"error": message})
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _from_http_error(error: HTTPException):
    """Any HTTP error as a JSON answer, keeping an Allow header of a 405."""
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return _error_response(error.code or 500, error.description or error.name, headers)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Errors raised inside API views answer in JSON."""
    return _from_http_error(error)


@bp.errorhandler(Exception)
def crash(error: Exception):
    """A crash answers in JSON too, after rolling back."""
    db.session.rollback()
    current_app.logger.exception("unhandled API error")
    return _error_response(500, "internal error")


@bp.before_app_request
def routing_errors_as_json():
    """Unknown paths and wrong methods under /api/ fail in JSON, not with the HTML error page.

    Routing fails before any blueprint is chosen, so the blueprint's own error handler never
    sees it; this hook runs before the failure is raised and answers for the API's paths.
    """
    failure = request.routing_exception
    if (
        isinstance(failure, HTTPException)
        and (failure.code or 500) >= 400
        and (request.path + "/").startswith(PREFIX + "/")
    ):
        return _from_http_error(failure)
    return None


def _int_param(name: str, *, default: int | None, low: int, high: int) -> int | None:
    """A whole-number query parameter within [low, high]; anything else is a 400 in JSON."""
    raw = request.args.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not text or len(text) > 12 or not text.isascii() or not text.removeprefix("-").isdigit():
        raise BadRequest(f"{name} must be a whole number")
    value = int(text)
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


def _area(slug: str) -> Area:
    """The area of a slug, or a JSON 404."""
    area = db.session.scalar(select(Area).where(Area.slug == slug))
    if area is None:
        raise NotFound("no such area")
    g.area = area
    return area


def _area_json(area: Area, *, detail: bool = False) -> dict:
    data = {
        "slug": area.slug,
        "name": area.name,
        "city": area.city,
        "funds": [attributes(fund, FUND_FIELDS) for fund in area.funds],
        "url": external_url("public.area", slug=area.slug),
    }
    if detail:
        data |= {
            "description": area.description,
            "timezone": area.timezone,
            "action_fields": area.action_field_list,
            "links": {
                "decisions": external_url("api.decisions", slug=area.slug),
                "budget": external_url("api.budget", slug=area.slug),
                "decisions_page": external_url("transparency.decisions", slug=area.slug),
                "feed": external_url("transparency.decisions_feed", slug=area.slug),
            },
        }
    return data


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(document())


@bp.get("/areas")
@public_page
def areas():
    """Every area with its funds (two queries)."""
    rows = db.session.scalars(
        select(Area).options(selectinload(Area.funds)).order_by(Area.name, Area.id)
    ).all()
    return jsonify({"areas": [_area_json(area) for area in rows]})


@bp.get("/areas/<slug>")
@public_page
def area(slug: str):
    """One area with its funds, action fields and links."""
    return jsonify(_area_json(_area(slug), detail=True))


@bp.get("/areas/<slug>/decisions")
@public_page
def decisions(slug: str):
    """The area's published decisions, newest first, a page at a time; year and fund optional."""
    year = _int_param("year", default=None, low=FIRST_YEAR, high=LAST_YEAR)
    fund_id = _int_param("fund", default=None, low=1, high=MAX_ID)
    page = _int_param("page", default=1, low=1, high=MAX_PAGE)
    per_page = _int_param("per_page", default=PER_PAGE, low=1, high=MAX_PER_PAGE)
    area = _area(slug)
    if fund_id is not None and fund_id not in {fund.id for fund in area.funds}:
        raise NotFound("no such fund in this area")
    result = transparency.decisions_page(
        area, year=year, fund_id=fund_id, page=page, per_page=per_page, clamp=False
    )
    return jsonify(
        {
            "area": area.slug,
            "year": year,
            "fund_id": fund_id,
            "page": result.page,
            "per_page": result.per_page,
            "pages": result.pages,
            "total": result.total,
            "items": [decision_json(area, decision) for decision in result.items],
        }
    )


@bp.get("/areas/<slug>/budget")
@public_page
def budget(slug: str):
    """Allocated / committed / paid / available per fund of the area in a year (default: now)."""
    year = _int_param("year", default=None, low=FIRST_YEAR, high=LAST_YEAR)
    area = _area(slug)
    overview = transparency.budget(area, year or transparency.current_year(area))

    def money(balances, closed: bool = False) -> dict:
        # A closed year's figures are final: nothing in it is available any more (null).
        return {
            "allocated_cents": balances.allocated,
            "committed_cents": balances.committed,
            "paid_cents": balances.paid,
            "available_cents": None if closed else balances.available,
            "returned_cents": balances.returned,
            "lapsed_cents": balances.lapsed,
            "carried_out_cents": balances.carried_out,
        }

    return jsonify(
        {
            "area": area.slug,
            "year": overview.year,
            "funds": [
                {
                    "id": line.fund_id,
                    "name": line.fund_name,
                    "kind": line.fund_kind,
                    "closed": line.closed,
                    **money(line.balances, line.closed),
                }
                for line in overview.lines
            ],
            # Totals of a year whose every fund line is closed are final too (null available).
            "totals": money(
                overview.totals,
                bool(overview.lines) and all(line.closed for line in overview.lines),
            ),
        }
    )
