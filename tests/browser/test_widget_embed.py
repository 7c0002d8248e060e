"""A QM team's website embeds the area's money widget (issue 17, item 4, "Done when").

A static HTML page on another loopback origin (a tiny http.server on its own port) carries the
snippet from the staff page. Chromium shows the current money left when the area lists that
website, and refuses the same widget on a website the area did not list.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import current_app

from juryfund.extensions import db
from juryfund.services import books, transparency
from juryfund.web.transparency.widgets import snippets
from tests.fixtures import Spec

from .conftest import html_attributes, requires_chromium

pytestmark = [pytest.mark.browser, pytest.mark.transparency, requires_chromium]


class _Website:
    """A static page that embeds a widget, served on 127.0.0.1 at a port of its own."""

    def __init__(self) -> None:
        self.body = b""
        website = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server's name
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(website.body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def show(self, snippet: str) -> None:
        """The website's page: a heading and the snippet, as a WordPress HTML block holds it."""
        self.body = (
            "<!doctype html><html lang='de'><head><meta charset='utf-8'><title>QM Soldiner Kiez"
            f"</title></head><body><h1>Willkommen im Kiez</h1>{snippet}</body></html>"
        ).encode()


@pytest.fixture
def websites() -> Iterator[tuple[_Website, _Website]]:
    """Two websites on other loopback origins: the QM's own and one the area did not list."""
    pair = (_Website(), _Website())
    for site in pair:
        site.thread.start()
    yield pair
    for site in pair:
        site.server.shutdown()
        site.server.server_close()


def _money_snippet(area, language: str = "de") -> str:
    """The money widget's snippet exactly as the staff page offers it."""
    with current_app.test_request_context("/"):
        (money,) = [s for s in snippets(area, language) if "/widgets/money" in s.url]
    return money.code


def test_the_listed_website_shows_the_money_left_and_another_is_refused(
    page, live_server, area, fund, staff, decide, websites
):
    qm_site, other_site = websites
    (project,) = decide([Spec("Hoffest", 57_055)])
    books.record_payment(
        project, amount_cents=10_000, payment_type="advance", note="", actor=staff.actor
    )
    area.widget_origins = qm_site.origin
    db.session.commit()
    year = transparency.current_year(area)
    (line,) = transparency.budget(area, year).lines
    assert line.balances.available == 942_945
    snippet = _money_snippet(area)
    assert snippet.startswith(f'<iframe src="{live_server}/{area.slug}/widgets/money?lang=de"')
    qm_site.show(snippet)
    other_site.show(snippet)

    page.goto(f"{qm_site.origin}/")
    page.wait_for_load_state("load")
    widget = page.frame_locator("iframe")
    amount = widget.locator(".widget-amount")
    amount.wait_for()
    assert amount.inner_text().replace("\xa0", " ") == "9.429,45 €"
    assert widget.get_by_role("heading", name=f"Noch verfügbar {year}").is_visible()
    assert page.get_by_role("heading", name="Willkommen im Kiez").is_visible()
    # Its links open the app outside the frame.
    link = widget.get_by_role("link", name=f"Budget {year}")
    assert link.get_attribute("target") == "_blank"

    # The same snippet on a website the area did not list: the frame stays empty.
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto(f"{other_site.origin}/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    frames = [frame for frame in page.frames if frame != page.main_frame]
    assert frames, "the iframe itself is there"
    for frame in frames:
        assert frame.locator(".widget-amount").count() == 0
        assert "9.429,45" not in frame.content()
    assert any("frame-ancestors" in text for text in refused), refused


def test_the_widget_follows_the_language_and_direction_in_the_frame(
    page, live_server, area, fund, websites
):
    qm_site, _ = websites
    area.widget_origins = qm_site.origin
    db.session.commit()
    qm_site.show(_money_snippet(area, "ar"))
    page.goto(f"{qm_site.origin}/")
    page.wait_for_load_state("load")
    frame = next(frame for frame in page.frames if frame != page.main_frame)
    frame.locator(".widget-amount").first.wait_for()
    root = frame.locator("html")
    assert (root.get_attribute("lang"), root.get_attribute("dir")) == ("ar", "rtl")
    assert html_attributes(page) == ("de", None)
    scroll, client = frame.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, "the widget fits its 360 px frame in Arabic"
    assert re.search(r"\d", frame.locator(".widget-amount").inner_text())
