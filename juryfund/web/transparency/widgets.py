"""Widgets for the QM team's own website: latest decisions, money left, apply now.

Small pages made to sit in an iframe on the websites the area lists (Area.widget_origins): their
Content-Security-Policy names those websites in frame-ancestors (none listed: 'none'), and only
they go without X-Frame-Options (security.embeddable). No script; links open outside the frame.
The language comes from ?lang= (the embedding site knows its own), else the visitor's choice.
Names appear only as the published decisions show them (services.transparency: consent).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, render_template
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from ...domain.widgets import frame_ancestors
from ...infra import clock
from ...infra.links import external_url
from ...models import Area
from ...services import sessions, transparency
from ..areas import load_area
from ..i18n import LANGUAGE_FROM_QUERY
from ..labels import OUTCOME_LABELS
from ..pagecache import public_page
from ..security import embeddable, embeddable_policy
from .blueprint import bp
from .display import SERIES, day_of, has_budget, shows, who

#: How many decisions the "latest decisions" widget shows.
LATEST = 5
#: The widgets, as the staff page lists them with their snippet: (title, endpoint, height in px).
WIDGETS = (
    (_l("Money left this year"), "transparency.widget_money", 280),
    (_l("Latest decisions"), "transparency.widget_decisions", 460),
    (_l("Apply now"), "transparency.widget_apply", 300),
)
#: Beside "available of allocated", the money widget names these balances of a fund's year
#: where they are not nothing (display.shows): money of a closed year that came back, and
#: what of it lapsed.
EXTRA_SERIES = ("returned", "lapsed_or_carried")
#: A widget is narrow; on a phone the frame shrinks to the column (max-width).
WIDTH = 360
#: No script runs in the widget anyway; links may open a new tab that is not sandboxed.
SANDBOX = "allow-popups allow-popups-to-escape-sandbox"


@dataclass(frozen=True)
class Snippet:
    """A widget as the staff page offers it: its title, address and the HTML to copy."""

    title: str
    url: str
    code: str


def snippets(area: Area, language: str = "de") -> list[Snippet]:
    """The copy-paste iframe of each widget of the area, in a language the area offers."""
    found = []
    for title, endpoint, height in WIDGETS:
        url = external_url(endpoint, slug=area.slug, lang=language)
        label = f"{title} · {area.name}"
        code = (
            f'<iframe src="{escape(url)}" title="{escape(label)}" width="{WIDTH}" '
            f'height="{height}" loading="lazy" sandbox="{SANDBOX}" '
            f'style="border:0;max-width:100%"></iframe>'
        )
        found.append(Snippet(title=str(title), url=url, code=code))
    return found


def _widget(template: str, **context):
    """Render a widget of the area with its frame-ancestors policy."""
    area = context.pop("area")
    body = render_template(f"widgets/{template}", area=area, **context)
    policy = embeddable_policy(frame_ancestors(area.widget_origins))
    return body, 200, {"Content-Security-Policy": policy}


def _area(slug: str):
    """The area, with the page's language taken from ?lang= where it offers it."""
    g.setdefault(LANGUAGE_FROM_QUERY, True)
    return load_area(slug)


@bp.get("/<slug>/widgets/money")
@embeddable
@public_page
def widget_money(slug: str):
    """Widget: the money left this year per fund, exactly as the budget page counts it.

    A year without a budget (display.has_budget) is left out like a year not made yet."""
    area = _area(slug)
    year = transparency.current_year(area)
    lines = [
        line
        for line in transparency.budget(area, year).lines
        if not line.closed and has_budget(line.balances)
    ]
    return _widget(
        "money.html",
        area=area,
        year=year,
        lines=lines,
        extra_series=[(k, label) for k, label in SERIES if k in EXTRA_SERIES],
        shows=shows,
    )


@bp.get("/<slug>/widgets/decisions")
@embeddable
@public_page
def widget_decisions(slug: str):
    """Widget: the newest published decisions, names only where the applicant agreed."""
    area = _area(slug)
    newest = transparency.all_decisions(area, limit=LATEST)
    return _widget(
        "decisions.html",
        area=area,
        decisions=newest,
        who=who,
        day_of=day_of(area),
        outcome_labels=OUTCOME_LABELS,
    )


@bp.get("/<slug>/widgets/apply")
@embeddable
@public_page
def widget_apply(slug: str):
    """Widget: the open funds with their caps and next deadline, and the way to the form."""
    area = _area(slug)
    funds = [fund for fund in area.funds if fund.active]
    upcoming = sessions.upcoming_by_fund([f.id for f in funds], clock.area_today(area), limit=1)
    return _widget("apply.html", area=area, funds=funds, upcoming=upcoming)
