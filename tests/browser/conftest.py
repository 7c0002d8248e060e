"""Browser fixtures: the test app on a live local server, Debian's chromium through Playwright.

Every test gets a fresh browser context (no cookies, no cache) and leaves a full-page screenshot
under ``test-artifacts/browser/<test name>.png`` (plus the page's HTML when it failed). Seed data
goes through the real services, as in the intake and voting tests.

Chromium is started with the flags of DESIGN.md §11; where ``/usr/bin/chromium`` or the Python
``playwright`` package is missing, the tests skip with the reason (``.ci/run`` installs both).
Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from juryfund.domain.intake import CostLine
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Mail, Round
from juryfund.services import intake, rounds
from juryfund.services.intake import ApplicationInput
from juryfund.web.i18n import LANGUAGE_COOKIE
from tests.factories import ApplicationFactory

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: Same-origin address under which the tests hand axe-core to the page (a CSP with
#: ``script-src 'self'`` forbids inline scripts, so the script must come from the page's origin).
AXE_URL_PATH = "/__axe__/axe.min.js"
#: How long any single Playwright action or expectation may wait (milliseconds).
TIMEOUT_MS = 10_000


def _missing() -> str | None:
    """Why browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package 'playwright' is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium); Playwright's own browsers are not used"
    return None


SKIP_REASON = _missing()
#: On CI the tools are installed by the README's test command: a missing one is a failure there,
#: never a quiet skip that would hide every browser and accessibility check.
ON_CI = os.environ.get("CI") == "true"
if ON_CI and SKIP_REASON:
    raise RuntimeError(f"CI must run the browser tests, but {SKIP_REASON}")
#: Put this in a browser test module's ``pytestmark``: the whole module skips with the reason.
requires_chromium = pytest.mark.skipif(
    SKIP_REASON is not None, reason=f"browser tests skipped: {SKIP_REASON}"
)


def t(language: str, message: str, **variables) -> str:
    """The UI text of a message id in a language, as the app renders it (for finding elements)."""
    with force_locale(language):
        return gettext(message, **variables)


def fresh() -> None:
    """End the test's own transaction, so it sees what the live server's requests committed."""
    db.session.rollback()
    db.session.expire_all()


# --- the live server ----------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """No access log lines for every asset."""

    def log_request(self, *args, **kwargs) -> None:  # noqa: D102
        pass


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The test app served on a free localhost port in a thread; its base URL.

    Mail links point at it (JURYFUND_BASE_URL), so a link taken from a delivered mail opens in
    the browser as it would for a member or applicant.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["JURYFUND_BASE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    server.server_close()  # waits for the request threads, before the app fixture empties the tables
    thread.join(timeout=10)


# --- chromium -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium for the whole session."""
    if SKIP_REASON:
        pytest.skip(f"browser tests skipped: {SKIP_REASON}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures know whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def artifact_name(node) -> str:
    """A file name for a test: its name with anything unusual replaced."""
    return re.sub(r"[^\w.-]+", "_", node.name).strip("_")


@pytest.fixture
def browser_locale() -> str:
    """The browser's language (Accept-Language); a test overrides it with
    ``@pytest.mark.parametrize("browser_locale", ["ar"])``."""
    return "de-DE"


@pytest.fixture
def context(browser, live_server, browser_locale):
    """A fresh browser context (own cookies) on the live server, in the browser's language."""
    context = browser.new_context(
        base_url=live_server,
        locale=browser_locale,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context, request):
    """A page in the test's context; screenshot (and HTML on failure) saved when the test ends."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"{msg.text} ({msg.location.get('url')})")
            if msg.type == "error" and "favicon.ico" not in (msg.location.get("url") or "")
            else None
        ),
    )
    #: What the page reported besides the app's pages: script errors, CSP refusals, failed
    #: loads (a missing /favicon.ico, which browsers ask for on their own, is not counted).
    page.js_errors = errors
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = artifact_name(request.node)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        call = getattr(request.node, "report_call", None)
        if call is not None and call.failed:
            (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - an artifact must never hide the test's own result
        print(f"could not save the browser artifacts of {name}: {exc}")


@pytest.fixture
def snapshot(page, request):
    """snapshot("errors") saves a full-page screenshot of the moment as <test name>-errors.png."""

    def take(label: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"{artifact_name(request.node)}-{label}.png"), full_page=True
        )

    return take


def set_language(context, base_url: str, language: str) -> None:
    """Choose the language as the switcher would: the language cookie."""
    context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": base_url}])


def html_attributes(page) -> tuple[str | None, str | None]:
    """(lang, dir) of the page's <html> element."""
    root = page.locator("html")
    return root.get_attribute("lang"), root.get_attribute("dir")


# --- axe-core -----------------------------------------------------------------------------------


def _axe_summary(violations: list[dict], heading: str = "") -> str:
    """Findings, one block per rule, with the elements and what is wrong with them."""
    lines = [heading] if heading and violations else []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:300]}")
            for summary_line in (node.get("failureSummary") or "").splitlines():
                lines.append(f"       {summary_line}")
    return "\n".join(lines)


#: The rule sets a test can ask axe-core for (axe's ``runOnly``/``rules`` options).
#: "aa": WCAG 2 A and AA, what the law asks. "aaa": the AA rules, the best-practice rules and the
#: enhanced (7:1) text contrast rule of AAA (issue 16).
RULE_SETS: dict[str, dict] = {
    "aa": {},
    "aaa": {
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "best-practice"]},
        "rules": {"color-contrast-enhanced": {"enabled": True}},
    },
}


def axe_missing() -> str | None:
    """Why axe-core cannot run here, or None."""
    if AXE_SCRIPT.exists():
        return None
    return f"axe-core is not installed ({AXE_SCRIPT.relative_to(ROOT)} missing; run `python3 dev.py test`)"


def axe_runner(live_server: str):
    """run(page, rule_set="aa") -> (violations that fail, a readable report of all findings).

    The runner behind the ``axe`` fixture, for the page sweeps too (demo_pages.py). axe-core is
    served to each page from a same-origin URL through Playwright's routing (once per page, so
    the page may come from any browser context) and added as a script from that URL: it works
    under a strict Content-Security-Policy that forbids inline scripts.
    """
    routed: set[int] = set()

    def run(page, rule_set: str = "aa") -> tuple[list[dict], str]:
        if id(page) not in routed:
            page.route(
                f"{live_server}{AXE_URL_PATH}",
                lambda route: route.fulfill(
                    path=str(AXE_SCRIPT), content_type="application/javascript"
                ),
            )
            routed.add(id(page))
        page.add_script_tag(url=f"{live_server}{AXE_URL_PATH}")
        options = {"resultTypes": ["violations", "incomplete"], **RULE_SETS[rule_set]}
        results = page.evaluate("(options) => axe.run(document, options)", options)
        if rule_set == "aa":
            bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
        else:
            bad = results["violations"]
        report = "\n".join(
            filter(
                None,
                [
                    _axe_summary(results["violations"], "violations:"),
                    _axe_summary(results["incomplete"], "needs a person to review (not failed):"),
                ],
            )
        )
        return bad, report

    return run


@pytest.fixture
def axe(context, live_server):
    """axe(page, rule_set="aa") -> (violations that fail the test, a readable report of all findings).

    With the default rule set "aa", violations of impact serious or critical fail; with "aaa"
    every violation of any impact does (see ``axe_runner``). Where axe-core is missing the test
    skips, and on CI it fails.
    """
    missing = axe_missing()
    if missing:
        if ON_CI:
            pytest.fail(f"CI must run the accessibility checks, but {missing}")
        pytest.skip(missing)
    return axe_runner(live_server)


# --- seed data through the real services -----------------------------------------------------------
# The area (all seven languages), its jury (member 4 reads Ukrainian), fund and staff member are
# the shared fixtures of tests/fixtures.py.


def application_input(**overrides) -> ApplicationInput:
    """A complete application as the intake service takes it."""
    start = clock.today_in(None) + timedelta(days=30)
    values = dict(
        applicant_kind="initiative",
        applicant_name="Ayşe Yılmaz",
        organisation="Hofgemeinschaft",
        email="ayse@example.org",
        phone="",
        address="Soldiner Str. 1, 13359 Berlin",
        lives_or_acts_in_area=True,
        title="Hoffest",
        description="Ein Fest im Hof",
        goals=["Nachbarschaft"],
        target_group="Nachbarschaft",
        place="Hof",
        start_date=start,
        end_date=start,
        participants=40,
        cost_lines=[CostLine("Erde", "material", 10, 450), CostLine("Musik", "services", 1, 60000)],
        volunteer_hours=12,
        in_kind="",
        cofunding_source="",
        cofunding_cents=0,
        requested_cents=64500,
        declared_not_started=True,
        declared_no_own_fee=True,
        consent_processing=True,
        consent_publish_name=False,
        language="de",
    )
    values.update(overrides)
    return ApplicationInput(**values)


@pytest.fixture
def submitted(area, fund, live_server):
    """An application sent through the intake service; (application, status link from its mail)."""
    application = intake.submit(area, application_input(), draft_key=None)
    db.session.commit()
    mail = db.session.scalars(select(Mail).where(Mail.to_addr == application.email)).one()
    match = re.search(r"https?://\S+/status/link/[^\s\"<]+", mail.body_text)
    assert match, mail.body_text
    return application, match.group(0)


@pytest.fixture
def open_round(area, fund, jury, staff, live_server):
    """open_round() -> a circulation round with three ready applications, opened (members mailed)."""

    def build() -> Round:
        apps = [
            ApplicationFactory(area=area, fund=fund, title=title, requested_cents=requested)
            for title, requested in (
                ("Pflanzaktion", 48000),
                ("Hoffest", 120000),
                ("Lesecafé", 30000),
            )
        ]
        when = datetime.now(UTC) + timedelta(days=7)
        round_ = rounds.save_round(
            None,
            jury,
            mode="circulation",
            title="Umlauf März",
            when=when,
            place="",
            actor=staff.actor,
        )
        rounds.set_agenda(round_, [a.id for a in apps])
        rounds.open_round(round_, actor=staff.actor)
        db.session.commit()
        return round_

    return build


def ballot_link(member) -> str:
    """The ballot link queued for a member (absolute, on the live server)."""
    mail = db.session.scalars(
        select(Mail).where(Mail.purpose == "ballot.invitation", Mail.to_addr == member.email)
    ).one()
    match = re.search(r"https?://\S+/ballot/link/\S+", mail.body_text)
    assert match, mail.body_text
    return match.group(0)
