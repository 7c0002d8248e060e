"""Every page of the demo, from the app's URL map, as each role: the pages the browser sweeps visit.

The pages come from the URL map, not from a list kept by hand: every GET rule that answers with a
page must be reached (with HTTP 200 and HTML) by at least one role, so a new page joins every
sweep the day it is added, and a rule the sweep cannot fill in fails it until someone says which
demo objects it shows. Downloads, feeds, the API and links that only set something in the session
and redirect are not pages and are left out by name.

Used by the phone sweep (test_every_page_on_a_phone.py) and the axe-core sweep
(test_every_page_accessible.py)::

    with DemoSweep(app, browser, live_server, "ar") as sweep:
        for visit in sweep.pages(width=320):
            ...  # visit.page shows visit.path as visit.role
    assert sweep.coverage_problems() == []

Both sweeps share one walk per language (``sweep_every_page``): each page is loaded once, at
320 px, where its controls are measured and its width checked; the same page is then widened to
375 px (width checked again) and to 1280 × 900 px, where axe-core runs on it. The findings are
kept for the session, so whichever of the two tests comes first walks the pages and the other
reads what was found; each test still fails for its own findings only.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select

from juryfund.devtools import demo
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import (
    AgendaItem,
    Application,
    Area,
    Body,
    Decision,
    Fund,
    FundYear,
    Round,
    RoundMember,
    StaffUser,
)
from juryfund.services import intake, rounds

from .conftest import TIMEOUT_MS, axe_missing, axe_runner, set_language, t

LANGUAGES = ["de", "ar"]
ROLES = ("anonymous", "applicant", "member", "staff", "admin")

#: Endpoints that are not pages: files, feeds, data, PDFs, and links that only change the session
#: and redirect (following them here would also drop the role's grant or language).
NOT_PAGES = {
    "static",
    "ballot.download",
    "ballot.land",
    "public.set_language",
    "review.download",
    "review.letter_pdf",
    "review.personal_data",
    "rounds.minutes_pdf",
    "status.download",
    "status.land",
    "status.letter_pdf",
    # Project story photos (issue 17): image files shown inside the story pages.
    "status.story_photo",
    "review.story_photo",
    "transparency.project_photo",
    "transparency.decisions_csv",
    "transparency.decisions_feed",
    "transparency.calendar",
    "transparency.decisions_json",
    # The annual report and the city report as PDF documents (issue 17 item 3).
    "transparency.report_pdf",
    "transparency.city_report_pdf",
    "books.bookings_export",
    "books.payments_export",
    "books.grants_export",
    "books.payment_list_export",
    # Redirects to a page of the sweep: the report of this year; the "sent" page, which shows
    # only right after sending (tests/browser/test_apply.py sends an application on a phone).
    "transparency.report_now",
    "transparency.city_report_now",
    "apply.done",
}
#: Whole blueprints that answer with data, not pages.
DATA_BLUEPRINTS = {"api"}


@dataclass
class DemoWorld:
    """The demo installation's objects that fill the URL map's parameters."""

    bindings: dict[tuple[str, ...], list[dict[str, object]]] = field(default_factory=dict)
    status_tokens: dict[str, str] = field(default_factory=dict)
    ballot_tokens: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Visit:
    """One page of the sweep, loaded: its path, the role that sees it and the browser tab."""

    path: str
    role: str
    page: object  # playwright.sync_api.Page


def _one_per_state(applications: list[Application]) -> list[Application]:
    """One application for each state, so each layout of a state-dependent page is seen."""
    chosen: dict[str, Application] = {}
    for application in applications:
        chosen.setdefault(application.state, application)
    return list(chosen.values())


def build_world() -> DemoWorld:
    """Seed the demo and collect, per parameter set, the values of the staff's area to show."""
    demo.seed_demo()
    db.session.commit()
    area = db.session.scalar(select(Area).where(Area.slug == "soldiner-kiez"))
    slugs = list(db.session.scalars(select(Area.slug).order_by(Area.id)))
    applications = list(
        db.session.scalars(
            select(Application).where(Application.area_id == area.id).order_by(Application.id)
        )
    )
    shown = _one_per_state(applications)
    bodies = list(db.session.scalars(select(Body).where(Body.area_id == area.id)))
    funds = list(db.session.scalars(select(Fund).where(Fund.area_id == area.id)))
    fund_years = list(
        db.session.scalars(select(FundYear).join(Fund).where(Fund.area_id == area.id))
    )
    round_list = list(db.session.scalars(select(Round).join(Body).where(Body.area_id == area.id)))
    items = list(
        db.session.scalars(
            select(AgendaItem).where(AgendaItem.round_id.in_([r.id for r in round_list]))
        )
    )
    decisions = list(
        db.session.scalars(
            select(Decision).where(Decision.application_id.in_([a.id for a in applications]))
        )
    )
    staff = db.session.scalar(select(StaffUser).where(StaffUser.email == demo.STAFF[0]))
    year = clock.area_today(area).year
    world = DemoWorld()
    world.bindings = {
        (): [{}],
        ("slug",): [{"slug": slug} for slug in slugs],
        ("slug", "year"): [{"slug": area.slug, "year": y} for y in (year, year - 1)],
        ("year",): [{"year": year}],
        ("reference", "slug"): [
            {"slug": area.slug, "reference": a.reference} for a in applications
        ],
        ("reference",): [{"reference": a.reference} for a in shown],
        ("application_id",): [{"application_id": a.id} for a in shown],
        ("area_id",): [{"area_id": area.id}],
        ("body_id",): [{"body_id": b.id} for b in bodies],
        ("fund_id",): [{"fund_id": f.id} for f in funds],
        ("fund_year_id",): [{"fund_year_id": y.id} for y in fund_years],
        ("member_id",): [{"member_id": b.members[0].id} for b in bodies if b.members],
        ("user_id",): [{"user_id": staff.id}],
        ("round_id",): [{"round_id": r.id} for r in round_list],
        ("item_id", "round_id"): [{"round_id": i.round_id, "item_id": i.id} for i in items],
        ("decision_id",): [{"decision_id": d.id} for d in decisions],
    }
    world.status_tokens = {a.reference: intake.new_status_token(a) for a in shown}
    participants = db.session.scalars(
        select(RoundMember).where(RoundMember.round_id.in_([r.id for r in round_list]))
    )
    world.ballot_tokens = [rounds.ballot_token(p) for p in participants]
    db.session.commit()
    return world


def page_rules(app) -> list:
    """The GET rules that answer with pages, in path order."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.endpoint not in NOT_PAGES
        and rule.endpoint.split(".")[0] not in DATA_BLUEPRINTS
    ]
    return sorted(rules, key=lambda r: r.rule)


def fill(rule, values: dict[str, object]) -> str:
    """The rule's path with its parameters filled in."""
    return rule.build(values, append_unknown=False)[1]


def log_in(context, language: str, email: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    page = context.new_page()
    page.goto("/staff/login")
    page.get_by_label(t(language, "Email")).fill(email)
    page.get_by_label(t(language, "Password")).fill(password)
    page.get_by_role("button", name=t(language, "Log in")).click()
    page.wait_for_load_state()
    page.close()


def role_contexts(browser, live_server: str, language: str, world: DemoWorld) -> dict:
    """One browser context per role, holding that role's login or links."""
    contexts = {}
    for role in ROLES:
        context = browser.new_context(base_url=live_server, locale="de-DE")
        context.set_default_timeout(TIMEOUT_MS)
        set_language(context, live_server, language)
        contexts[role] = context
    log_in(contexts["staff"], language, *demo.STAFF)
    log_in(contexts["admin"], language, *demo.ADMIN)
    landing = contexts["applicant"].new_page()
    for token in world.status_tokens.values():
        landing.goto(f"/status/link/{token}")
    landing.close()
    landing = contexts["member"].new_page()
    for token in world.ballot_tokens:
        landing.goto(f"/ballot/link/{token}")
    landing.close()
    # The links set the language of the application or member; the sweep wants its own.
    for role in ("applicant", "member"):
        set_language(contexts[role], live_server, language)
    return contexts


class DemoSweep:
    """The demo seeded, one logged-in browser context per role; walks every page as each role."""

    def __init__(self, app, browser, live_server: str, language: str) -> None:
        self.app = app
        self.browser = browser
        self.live_server = live_server
        self.language = language
        self.contexts: dict = {}
        self.unknown: list[str] = []
        self.reached: dict[str, int] = {}

    def __enter__(self) -> DemoSweep:
        self.world = build_world()
        self.contexts = role_contexts(self.browser, self.live_server, self.language, self.world)
        return self

    def __exit__(self, *exc) -> None:
        for context in self.contexts.values():
            context.close()

    def pages(self, *, width: int, height: int = 640) -> Iterator[Visit]:
        """Each page of the demo that a role may open, loaded once in that role's tab."""
        tabs = {role: context.new_page() for role, context in self.contexts.items()}
        for tab in tabs.values():
            tab.set_viewport_size({"width": width, "height": height})
        for rule in page_rules(self.app):
            key = tuple(sorted(rule.arguments))
            if key not in self.world.bindings:
                self.unknown.append(f"{rule.rule} ({', '.join(key)})")
                continue
            self.reached.setdefault(rule.rule, 0)
            for values in self.world.bindings[key]:
                path = fill(rule, values)
                for role, tab in tabs.items():
                    probe = self.contexts[role].request.get(path, max_redirects=0)
                    if probe.status != 200 or "text/html" not in probe.headers.get(
                        "content-type", ""
                    ):
                        continue
                    tab.set_viewport_size({"width": width, "height": height})
                    tab.goto(path)
                    tab.wait_for_load_state("load")
                    self.reached[rule.rule] += 1
                    yield Visit(path, role, tab)

    def coverage_problems(self) -> list[str]:
        """Rules the sweep could not fill in, or that no role could open."""
        problems = [f"no demo values for {rule}" for rule in self.unknown]
        problems += [
            f"no role could open {rule}" for rule, count in self.reached.items() if count == 0
        ]
        return problems

    def summary(self) -> str:
        """How many page loads over how many rules, for the test's output."""
        return (
            f"{sum(self.reached.values())} page loads in {self.language}, {len(self.reached)} rules"
        )


# --- the one walk of both sweeps -------------------------------------------------------------------

#: The phone widths: controls are measured at the first, the width is checked at both.
WIDTHS = (320, 375)
PHONE_HEIGHT = 640
#: Where the axe-core sweep looks at each page (a desktop window).
DESKTOP = {"width": 1280, "height": 900}
#: The smallest target a finger may need to hit (WCAG 2.5.5, AAA), in CSS pixels; half a pixel
#: of rounding is allowed.
TARGET = 44

WIDTH_SCRIPT = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"

#: Every control a person taps, with its box: too small ones as [description, width, height].
#: A checkbox or radio counts together with its labels (a tap on the label ticks it). Links inside
#: running text (a block that has text besides the link) are exempt, as WCAG 2.5.5 exempts them;
#: hidden controls (not rendered, or clipped to a pixel for screen readers) are not targets.
#: Map markers are exempt as WCAG 2.5.5 exempts a target with an equivalent one on the page:
#: every project on a map is also a full-size link in the list that is the page's main content.
SMALL_TARGETS_SCRIPT = """(target) => {
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]');
  const blockOf = (el) => {
    let node = el.parentElement;
    while (node && getComputedStyle(node).display.startsWith('inline')) node = node.parentElement;
    return node;
  };
  const text = (el) => (el.innerText || '').replace(/\\s+/g, ' ').trim();
  const small = [];
  for (const el of controls) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('[hidden], .visually-hidden')) continue;
    let box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if (el.classList.contains('leaflet-marker-icon')) continue;  // listed below the map
    if (el.tagName === 'A') {
      const block = blockOf(el);
      if (block && text(block) !== text(el)) continue;  // a link in running text
    }
    if (el.type === 'checkbox' || el.type === 'radio') {
      let [l, t, r, b] = [box.left, box.top, box.right, box.bottom];
      for (const label of el.labels || []) {
        const lb = label.getBoundingClientRect();
        [l, t, r, b] = [Math.min(l, lb.left), Math.min(t, lb.top), Math.max(r, lb.right), Math.max(b, lb.bottom)];
      }
      box = {width: r - l, height: b - t};
    }
    if (box.width < target - 0.5 || box.height < target - 0.5) {
      const name = el.id ? '#' + el.id : (el.className ? '.' + String(el.className).split(' ').join('.') : '');
      small.push([`<${el.tagName.toLowerCase()}${name}> "${text(el).slice(0, 40) || el.name || el.type}"`,
                  Math.round(box.width), Math.round(box.height)]);
    }
  }
  return small;
}"""


@dataclass
class Findings:
    """What one walk over every page of the demo found, in one language."""

    language: str
    #: Rules the walk could not fill in, or that no role could open.
    coverage: list[str] = field(default_factory=list)
    #: "path as role: N px on a W px screen", at either phone width.
    too_wide: list[str] = field(default_factory=list)
    #: "control W × H px" -> ["path as role", ...], measured at 320 px.
    small: dict[str, list[str]] = field(default_factory=dict)
    #: Whether axe-core ran on every page (it is skipped where the accessibility test is not
    #: selected and axe-core is missing).
    axe_ran: bool = False
    #: (rule, help, element target, element html) -> ["path as role", ...]
    axe: dict[tuple[str, str, str, str], list[str]] = field(default_factory=dict)
    summary: str = ""


#: The walks done in this test session, by language: the second sweep test reads the first's.
_FINDINGS: dict[str, Findings] = {}


def sweep_every_page(app, browser, live_server: str, language: str, *, with_axe: bool) -> Findings:
    """Walk every page of the demo once as each role (or reuse this session's walk): phone
    widths and target sizes always, axe-core (AAA rule set) on the same load if ``with_axe``."""
    done = _FINDINGS.get(language)
    if done is not None and (done.axe_ran or not with_axe):
        return done
    run_axe: Callable | None = axe_runner(live_server) if with_axe else None
    findings = Findings(language=language, axe_ran=run_axe is not None)
    axe_found: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    started = time.monotonic()
    with DemoSweep(app, browser, live_server, language) as sweep:
        for visit in sweep.pages(width=WIDTHS[0], height=PHONE_HEIGHT):
            where = f"{visit.path} as {visit.role}"
            for control, width, height in visit.page.evaluate(SMALL_TARGETS_SCRIPT, TARGET):
                findings.small.setdefault(f"{control} {width} × {height} px", []).append(where)
            for width in WIDTHS:
                visit.page.set_viewport_size({"width": width, "height": PHONE_HEIGHT})
                scroll_width, client_width = visit.page.evaluate(WIDTH_SCRIPT)
                if scroll_width > client_width:
                    findings.too_wide.append(
                        f"{where}: {scroll_width} px on a {client_width} px screen"
                    )
            if run_axe is None:
                continue
            visit.page.set_viewport_size(DESKTOP)
            violations, _report = run_axe(visit.page, rule_set="aaa")
            for violation in violations:
                for node in violation["nodes"]:
                    key = (
                        f"[{violation['impact']}] {violation['id']}",
                        violation["help"],
                        " ".join(map(str, node["target"])),
                        node["html"][:200],
                    )
                    axe_found[key].append(where)
    findings.coverage = sweep.coverage_problems()
    findings.axe = dict(axe_found)
    findings.summary = f"{sweep.summary()} in {time.monotonic() - started:.0f} s" + (
        ", axe-core on each" if run_axe else ""
    )
    _FINDINGS[language] = findings
    return findings


def axe_available() -> bool:
    """Whether axe-core is installed (the accessibility test skips, or fails on CI, without it)."""
    return axe_missing() is None
