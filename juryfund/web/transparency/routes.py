"""Public transparency pages of an area, its open data downloads, and the admins' city overview.

Every page reads with a constant number of queries (see services.transparency). Query strings
come from anywhere: a filter with a bad value is ignored and a page number is clamped, so no
query string can make a page fail.
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...domain.budget import Balances
from ...domain.spreadsheet import spreadsheet_cell
from ...infra import clock
from ...infra.links import external_url
from ...models import Area
from ...services import transparency
from ...services.transparency import FIRST_YEAR, LAST_YEAR, Budget, PublishedDecision
from ..areas import load_area
from ..i18n import RTL_LANGUAGES, current_language, money
from ..labels import OUTCOME_LABELS
from ..pagecache import public_page
from ..permissions import admin_required

bp = Blueprint("transparency", __name__)

PAGE_SIZE = 20
FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: What a funded project's state means to the public.
PROJECT_STATE_LABELS = {
    "approved": _l("Funded"),
    "settled": _l("Settled"),
    "cancelled": _l("Cancelled"),
}
#: The balances, in the order of the chart and the tables. A closed year has nothing
#: "available" (its table cell stays empty); what it gave up lapsed or was carried over.
SERIES = (
    ("allocated", _l("Allocated")),
    ("committed", _l("Committed")),
    ("paid", _l("Paid")),
    ("available", _l("Available")),
    ("lapsed_or_carried", _l("Lapsed or carried over")),
)


def shows(line, key: str) -> bool:
    """Whether a fund year's line shows this balance: a closed year never shows "available",
    an open one shows "lapsed or carried over" only when something did."""
    if key == "available":
        return not getattr(line, "closed", False)
    if key == "lapsed_or_carried":
        return getattr(line, "closed", False) or line.balances.lapsed_or_carried != 0
    return True


# --- query-string parsing: lenient, never fails -----------------------------------------------


def _int_arg(name: str) -> int | None:
    """An integer query parameter, or None when missing or not a sane whole number."""
    raw = request.args.get(name, "").strip()
    if not raw or len(raw) > 12 or not raw.isdecimal():
        return None
    try:
        return int(raw)
    except ValueError:  # digits int() does not take
        return None


def _year_arg(default: int) -> int:
    """The ?year= of a page, else the default; only years a fund year may have."""
    year = _int_arg("year")
    return year if year is not None and FIRST_YEAR <= year <= LAST_YEAR else default


def _fund_arg(area: Area) -> int | None:
    """The ?fund= filter when it names a fund of this area; anything else means all funds."""
    fund_id = _int_arg("fund")
    return fund_id if fund_id in {fund.id for fund in area.funds} else None


def _day_of(area: Area):
    """A template helper: the calendar day of a UTC moment in the area's time zone."""
    zone = ZoneInfo(area.timezone)
    return lambda moment: moment.astimezone(zone).date()


def _who(decision) -> str:
    """The published applicant, or "private initiative"."""
    return decision.applicant or _("Private initiative")


# --- pages ------------------------------------------------------------------------------------


@bp.get("/<slug>/decisions")
@public_page
def decisions(slug: str):
    """The published decisions of a year, filterable by fund, 20 per page, newest first."""
    area = load_area(slug)
    years = transparency.decision_years(area)
    year = _year_arg(transparency.current_year(area))
    fund_id = _fund_arg(area)
    page = transparency.decisions_page(
        area, year=year, fund_id=fund_id, page=_int_arg("page") or 1, per_page=PAGE_SIZE
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
        who=_who,
        day_of=_day_of(area),
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
    return render_template(
        "transparency/project.html",
        area=area,
        project=found,
        who=_who,
        day_of=_day_of(area),
        state_label=PROJECT_STATE_LABELS[found.state],
    )


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


@bp.get("/<slug>/budget")
@public_page
def budget(slug: str):
    """The year's budget per fund: allocated, committed, paid, available, as chart and table."""
    area = load_area(slug)
    year = _year_arg(transparency.current_year(area))
    overview = transparency.budget(area, year)
    years = transparency.budget_years(area)
    return render_template(
        "transparency/budget.html",
        area=area,
        year=year,
        years=years if year in years else sorted({*years, year}, reverse=True),
        budget=overview,
        totals=overview.totals,
        series=SERIES,
        shows=shows,
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
    """The annual report (Jahresbericht): funded projects, totals per fund and action field."""
    area = load_area(slug)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return render_template(
        "transparency/report.html",
        area=area,
        year=year,
        report=transparency.annual_report(area, year),
        who=_who,
        day_of=_day_of(area),
        state_labels=PROJECT_STATE_LABELS,
        series=SERIES,
        shows=shows,
    )


# --- open data ----------------------------------------------------------------------------------


def _project_url(area: Area, decision: PublishedDecision) -> str:
    """The absolute address of the decision's project page, or "" when it has none."""
    if not decision.has_project_page:
        return ""
    return external_url("transparency.project", slug=area.slug, reference=decision.reference)


#: CSV columns that hold numbers (or a date) and are written untouched, so a spreadsheet reads
#: them as numbers ("-12.50" stays a negative amount). Every other column is text and is
#: escaped against formula injection, so a column added later is safe by default.
_CSV_NUMBER_FIELDS = frozenset({"fund_id", "decided_at", "amount_cents", "amount_eur"})


def _csv_cell(key: str, value):
    """One cell of the decisions CSV: None as empty, text neutralised against formulas."""
    if value is None:
        return ""
    return value if key in _CSV_NUMBER_FIELDS else spreadsheet_cell(value)


class _Echo:
    """A file-like object whose write returns the text, so csv.writer yields line by line."""

    def write(self, text: str) -> str:
        return text


@bp.get("/<slug>/decisions.csv")
def decisions_csv(slug: str):
    """The year's published decisions as CSV (UTF-8, header row), streamed row by row."""
    area = load_area(slug)
    year = _year_arg(transparency.current_year(area))
    fund_id = _fund_arg(area)

    def rows():
        writer = csv.writer(_Echo())
        yield writer.writerow([*transparency.RECORD_FIELDS, "project_url"])
        for decision in transparency.iter_decisions(area, year=year, fund_id=fund_id):
            record = transparency.decision_record(decision)
            yield writer.writerow(
                [
                    *(_csv_cell(key, record[key]) for key in transparency.RECORD_FIELDS),
                    spreadsheet_cell(_project_url(area, decision)),
                ]
            )

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="decisions-{area.slug}-{year}.csv"'
    )
    return response


@bp.get("/<slug>/decisions.json")
@public_page
def decisions_json(slug: str):
    """The year's published decisions as JSON: the same rows as the CSV."""
    area = load_area(slug)
    year = _year_arg(transparency.current_year(area))
    fund_id = _fund_arg(area)
    records = [
        {**transparency.decision_record(d), "project_url": _project_url(area, d) or None}
        for d in transparency.all_decisions(area, year=year, fund_id=fund_id)
    ]
    body = json.dumps(
        {"area": area.slug, "year": year, "fund_id": fund_id, "decisions": records},
        ensure_ascii=False,
        indent=1,
    )
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="decisions-{area.slug}-{year}.json"'
    )
    return response


@bp.get("/<slug>/decisions.atom")
@public_page
def decisions_feed(slug: str):
    """An Atom 1.0 feed of the area's newest published decisions."""
    area = load_area(slug)
    newest = transparency.all_decisions(area, limit=FEED_SIZE)
    page_url = external_url("transparency.decisions", slug=area.slug)

    def sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
        element = ET.SubElement(parent, tag, attrs)
        if text is not None:
            element.text = text
        return element

    # Plain tag names under a default xmlns: readers see every element in the Atom namespace.
    feed = ET.Element("feed", {"xmlns": ATOM, XML_LANG: current_language()})
    sub(feed, "id", external_url("transparency.decisions_feed", slug=area.slug))
    sub(feed, "title", _("Decisions: %(area)s", area=area.name))
    sub(feed, "updated", transparency.iso_utc(newest[0].decided_at if newest else area.created_at))
    sub(
        feed,
        "link",
        rel="self",
        type="application/atom+xml",
        href=external_url("transparency.decisions_feed", slug=area.slug),
    )
    sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = sub(feed, "author")
    sub(author, "name", area.name)
    for decision in newest:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{page_url}#decision-{decision.decision_id}")
        sub(entry, "title", f"{OUTCOME_LABELS[decision.outcome]}: {decision.title}")
        sub(entry, "updated", transparency.iso_utc(decision.decided_at))
        year = decision.decided_at.astimezone(ZoneInfo(area.timezone)).year
        link = _project_url(area, decision) or (
            external_url("transparency.decisions", slug=area.slug, year=year)
            + f"#decision-{decision.decision_id}"
        )
        sub(entry, "link", rel="alternate", type="text/html", href=link)
        summary = [
            f"{decision.reference} · {_who(decision)}",
            f"{decision.body} · {decision.fund_name}",
            str(OUTCOME_LABELS[decision.outcome]),
        ]
        if decision.approved_cents is not None:
            summary.append(money(decision.approved_cents))
        sub(entry, "summary", " · ".join(summary), type="text")
    body = ET.tostring(feed, encoding="unicode")
    return Response(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body,
        mimetype="application/atom+xml",
        headers={"Content-Type": "application/atom+xml; charset=utf-8"},
    )


# --- city overview -------------------------------------------------------------------------------


@dataclass
class AreaBlock:
    """One area of the city overview with its funds and subtotal."""

    name: str
    slug: str
    lines: list
    subtotal: Balances


@bp.get("/staff/overview")
@admin_required
def overview():
    """For admins: every area's funds with the year's balances, subtotals and city totals."""
    year = _year_arg(clock.today_in(current_app.config["JURYFUND_DEFAULT_TIMEZONE"]).year)
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
