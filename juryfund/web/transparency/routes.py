"""Public transparency pages of an area: decisions, project pages, budget and annual report.

Every page reads with a constant number of queries (see services.transparency). Query strings
come from anywhere: a filter with a bad value is ignored (see params) and a page number is
clamped, so no query string can make a page fail.

The blueprint's other views live apart, one job a module: the open data downloads (exports),
the Atom feed (feeds), the calendar (calendar), the widgets for the QM's own website (widgets),
the public city report for the funder (cityreport) and the admins' city overview (admin);
importing them here registers them.
"""

from __future__ import annotations

import base64
from typing import Any

from flask import abort, redirect, render_template, url_for

from ...models import Area, StoryPhoto
from ...services import places, stories, transparency
from ...services.transparency import FIRST_YEAR, LAST_YEAR
from ..areas import load_area
from ..downloads import send_photo
from ..i18n import RTL_LANGUAGES, current_language
from ..labels import BODY_KIND_LABELS, OUTCOME_LABELS
from ..pagecache import public_page
from ..pdf import pdf_response
from . import admin, calendar, cityreport, exports, feeds, maps, widgets  # noqa: F401  (views register on bp)
from .blueprint import bp
from .charts import MONEY_SERIES, MoneyLine, budget_chart, money_chart
from .display import (
    PROJECT_STATE_LABELS,
    SERIES,
    day_of,
    shows,
    shows_total,
    table_series,
    who,
)
from .params import decision_filters, int_arg, year_arg
from .sharing import project_metadata

PAGE_SIZE = 20


@bp.get("/<slug>/decisions")
@public_page
def decisions(slug: str):
    """The published decisions of a year, filterable by fund, 20 per page, newest first."""
    area, year, fund_id = decision_filters(slug)
    years = transparency.decision_years(area)
    page = transparency.decisions_page(
        area, year=year, fund_id=fund_id, page=int_arg("page") or 1, per_page=PAGE_SIZE
    )
    args = {"year": year, **({"fund": fund_id} if fund_id else {})}
    return render_template(
        "transparency/decisions.html",
        area=area,
        years=years if year in years else sorted({*years, year}, reverse=True),
        year=year,
        fund_id=fund_id,
        result=page,
        args=args,
        who=who,
        day_of=day_of(area),
        outcome_labels=OUTCOME_LABELS,
    )


@bp.get("/<slug>/projects/<reference>")
@public_page
def project(slug: str, reference: str):
    """A funded project's public page; 404 for anything not funded by a decision in force."""
    area = load_area(slug)
    found = transparency.project(area, reference)
    if found is None:
        abort(404)
    story = stories.public_story(area.id, reference)
    return render_template(
        "transparency/project.html",
        area=area,
        project=found,
        who=who,
        day_of=day_of(area),
        state_label=PROJECT_STATE_LABELS[found.state],
        sharing=project_metadata(area, found, story),
        on_map=places.has_public_pin(area, reference),
        story=story,
    )


@bp.get("/<slug>/projects/<reference>/photos/<int:photo_id>")
def project_photo(slug: str, reference: str, photo_id: int):
    """A photo of the project's story: only while it is approved and its consent stands."""
    area = load_area(slug)
    photo = stories.public_photo(area.id, reference, photo_id)
    if photo is None or transparency.project(area, reference) is None:
        abort(404)
    return send_photo(photo, public=True)


@bp.get("/<slug>/budget")
@public_page
def budget(slug: str):
    """The year's budget per fund: allocated, committed, paid, available, as chart and table."""
    area = load_area(slug)
    year = year_arg(transparency.current_year(area))
    overview = transparency.budget(area, year)
    years = transparency.budget_years(area)
    return render_template(
        "transparency/budget.html",
        area=area,
        year=year,
        years=years if year in years else sorted({*years, year}, reverse=True),
        budget=overview,
        totals=overview.totals,
        # Every line gets each series (a dash where it shows none), returned money only when
        # some came back (display.table_series).
        series=table_series(SERIES, overview.lines),
        shows=shows,
        shows_total=shows_total,
        chart=budget_chart(overview, rtl=current_language() in RTL_LANGUAGES),
    )


@bp.get("/<slug>/report")
def report_now(slug: str):
    """The annual report of the current year."""
    area = load_area(slug)
    return redirect(url_for(".report", slug=area.slug, year=transparency.current_year(area)))


@bp.get("/<slug>/report/<int:year>")
@public_page
def report(slug: str, year: int):
    """The annual report (Jahresbericht): participation, money per fund, funded projects and
    their stories, with a link to the same report as a PDF."""
    area = load_area(slug)
    return render_template("transparency/report.html", **_report_context(area, year, pdf=False))


@bp.get("/<slug>/report/<int:year>.pdf")
@public_page
def report_pdf(slug: str, year: int):
    """The annual report as a print-ready PDF (A4, page numbers, the story photos embedded).

    Cached like the page: rendering is costly, and the PDF changes only with the public data.
    """
    area = load_area(slug)
    html = render_template(
        "transparency/report_print.html", **_report_context(area, year, pdf=True)
    )
    return pdf_response(html, f"annual-report-{area.slug}-{year}.pdf")


def _report_context(area: Area, year: int, *, pdf: bool) -> dict[str, Any]:
    """What the report's page and its PDF show (404 for a year no fund year can have)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    found = transparency.annual_report(area, year, photo_data=pdf)

    def photo_src(reference: str, photo: StoryPhoto) -> str:
        if pdf:
            return data_url(photo)
        return url_for(".project_photo", slug=area.slug, reference=reference, photo_id=photo.id)

    return {
        "area": area,
        "year": year,
        "report": found,
        "chart": money_chart(
            [MoneyLine(line.fund_name, line.balances, line.closed) for line in found.budget.lines],
            rtl=current_language() in RTL_LANGUAGES,
        ),
        "money_series": MONEY_SERIES,
        # A closed year shows what lapsed or was carried, never "remaining" (DESIGN.md §5).
        "shows": shows,
        "shows_total": shows_total,
        "body_kind_labels": BODY_KIND_LABELS,
        "who": who,
        "day_of": day_of(area),
        "state_labels": PROJECT_STATE_LABELS,
        "photo_src": photo_src,
        # The PDF is read away from the site: its links carry the whole address, its photos
        # are embedded and its chart is drawn for the PDF renderer.
        "pdf": pdf,
    }


def data_url(photo: StoryPhoto) -> str:
    """A stored photo as a data: URL (documents embed their pictures; the PDF fetches nothing)."""
    return f"data:{photo.content_type};base64,{base64.b64encode(photo.data).decode('ascii')}"
