"""The city report for the funder: every area of the installation in one table and one chart,
as a public page and a PDF (the same figures as each area's annual report)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, redirect, render_template, url_for

from ...domain.budget import Balances
from ...infra import clock
from ...services import books, transparency
from ...services.transparency import FIRST_YEAR, LAST_YEAR, AreaFigures, approval_bp
from ..i18n import RTL_LANGUAGES, current_language
from ..pagecache import public_page
from ..pdf import pdf_response
from .blueprint import bp
from .charts import MONEY_SERIES, MoneyLine, money_chart
from .display import shows, shows_total


@dataclass(frozen=True)
class CityTotals:
    """The sums over every area: money, applications, decisions."""

    balances: Balances
    applications: int
    approved: int
    rejected: int

    @property
    def approval_bp(self) -> int | None:
        """Approved share of all the areas' decisions in basis points."""
        return approval_bp(self.approved, self.rejected)


def city_totals(figures: list[AreaFigures]) -> CityTotals:
    """Add the areas' figures up."""
    return CityTotals(
        balances=transparency.sum_balances(f.balances for f in figures),
        applications=sum(f.participation.applications for f in figures),
        approved=sum(f.participation.approved for f in figures),
        rejected=sum(f.participation.rejected for f in figures),
    )


@bp.get("/report")
def city_report_now():
    """The city report of the current year (the installation's default time zone)."""
    year = clock.today_in(current_app.config["JURYFUND_DEFAULT_TIMEZONE"]).year
    return redirect(url_for(".city_report", year=year))


@bp.get("/report/<int:year>")
@public_page
def city_report(year: int):
    """Every area's budget, approved, spent and remaining money, applications and approval
    rate of a year, as a table and a chart, with links to each area's annual report."""
    return render_template("transparency/city_report.html", **_context(year), pdf=False)


@bp.get("/report/<int:year>.pdf")
@public_page
def city_report_pdf(year: int):
    """The city report as a print-ready PDF."""
    # The PDF is read away from the site: its links carry the whole address.
    html = render_template("transparency/city_report_print.html", **_context(year), pdf=True)
    return pdf_response(html, f"city-report-{year}.pdf")


def _context(year: int) -> dict[str, Any]:
    """The city report's figures (404 for a year no fund year can have)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    figures = transparency.city_report(year)
    closed = books.areas_closed(year)
    # An area whose funds all closed the year has nothing remaining: it shows what lapsed or
    # was carried over instead (DESIGN.md §5), as each area's annual report does.
    lines = {f.area_id: MoneyLine(f.name, f.balances, f.area_id in closed) for f in figures}
    return {
        "year": year,
        "figures": figures,
        "lines": lines,
        "totals": city_totals(figures),
        "money_series": MONEY_SERIES,
        "shows": shows,
        "shows_total": shows_total,
        "chart": money_chart(list(lines.values()), rtl=current_language() in RTL_LANGUAGES),
    }
