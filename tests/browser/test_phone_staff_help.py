"""The pages of staff help for residents without e-mail or scanner fit a 320 px phone in German
and in Arabic (right to left): the round page with "Send a new link" opened, the proof of use
entered on the applicant's behalf, and the page a replaced ballot link shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from juryfund.extensions import db
from juryfund.services import rounds
from tests.factories import ApplicationFactory
from tests.fixtures import PASSWORD

from .conftest import html_attributes, requires_chromium, set_language, t

pytestmark = [pytest.mark.browser, requires_chromium]


def _fits(page, path: str | None = None) -> None:
    """The page (loaded from `path`, or as it is) is no wider than the screen."""
    if path is not None:
        page.goto(path)
    page.wait_for_load_state("load")
    width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"{page.url} is {width[0]} px wide on a {width[1]} px screen"


@pytest.mark.parametrize("language", ["de", "ar"])
def test_staff_help_pages_fit_a_phone(
    page, context, live_server, language, area, fund, jury, staff, approved
):
    ready = ApplicationFactory(area=area, fund=fund, title="Hoffest", requested_cents=30000)
    round_ = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf",
        when=datetime.now(UTC) + timedelta(days=7),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [ready.id])
    rounds.open_round(round_, actor=staff.actor)
    participant = round_.participants[0]
    old_token = rounds.ballot_token(participant)
    db.session.commit()

    set_language(context, live_server, language)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/staff/login")
    page.get_by_label(t(language, "Email")).fill(staff.email)
    page.get_by_label(t(language, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=t(language, "Log in")).click()
    page.wait_for_load_state()
    _fits(page, f"/staff/rounds/{round_.id}")
    assert html_attributes(page) == (language, "rtl" if language == "ar" else "ltr")
    page.locator("summary", has_text=t(language, "Send a new link")).first.click()
    _fits(page)
    page.get_by_role("button", name=t(language, "Send the new link now")).first.click()
    page.wait_for_load_state()
    _fits(page)
    _fits(page, f"/staff/applications/{approved.id}/proof/edit")

    member = context.browser.new_context(base_url=live_server)
    set_language(member, live_server, language)
    phone = member.new_page()
    phone.set_viewport_size({"width": 320, "height": 640})
    phone.goto(f"/ballot/link/{old_token}")
    _fits(phone)
    assert phone.get_by_role("heading", name=t(language, "This ballot link was replaced")).count()
    member.close()
