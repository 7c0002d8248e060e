"""The vote without a page load (issue 18): with the ballot's script the item is replaced in
place, focus stays and the result is announced; without script the plain form still works.
In German and in Arabic (right to left)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Vote

from .conftest import ballot_link, fresh, html_attributes, requires_chromium, set_language, t

pytestmark = [pytest.mark.browser, requires_chromium]


def _votes(member) -> list[tuple[int, str]]:
    fresh()
    return [
        (v.agenda_item_id, v.choice)
        for v in db.session.scalars(
            select(Vote).where(Vote.member_id == member.id).order_by(Vote.agenda_item_id)
        )
    ]


@pytest.mark.parametrize("language", ["de", "ar"])
def test_with_script_the_vote_replaces_only_its_item(page, live_server, jury, open_round, language):
    round_ = open_round()
    member = jury.members[0]
    set_language(page.context, live_server, language)
    page.goto(ballot_link(member))
    assert html_attributes(page) == (language, "rtl" if language == "ar" else "ltr")
    page.wait_for_url(f"**/ballot/{round_.id}*")
    first, second, _third = round_.agenda
    # A marker on the page: it is still there after the vote, so no page was loaded.
    page.evaluate("window.__same_page = true")
    loads: list[str] = []
    page.on("request", lambda request: loads.append(request.url))

    item = page.locator(f"#item-{second.id}")
    item.get_by_role("radio", name=t(language, "No")).check()
    item.get_by_role("button", name=t(language, "Save vote")).click()
    saved = t(language, "Your vote on “%(title)s” is saved.", title=second.application.title)
    expect(page.locator("#ballot-announce")).to_have_text(saved)
    status = page.locator(f"#item-{second.id} .your-status")
    expect(status).to_contain_text(t(language, "Your vote:"))
    expect(status).to_contain_text(t(language, "No"))
    expect(page.locator("#ballot-progress progress")).to_have_attribute("value", "1")
    assert page.evaluate("window.__same_page") is True
    assert [url for url in loads if "/vote" not in url] == []  # the POST alone, nothing after it
    # Focus stays on what sent the vote (the button), in the new item.
    focused = page.evaluate(
        "document.activeElement.closest('.agenda-item') && document.activeElement.closest('.agenda-item').id"
    )
    assert focused == f"item-{second.id}"
    assert page.evaluate("document.activeElement.type") == "submit"
    assert _votes(member) == [(second.id, "no")]

    # Sending again from the replaced form works (its token and handler are in place).
    page.locator(f"#item-{second.id}").get_by_role("radio", name=t(language, "Yes")).check()
    page.locator(f"#item-{second.id}").get_by_role("button", name=t(language, "Save vote")).click()
    expect(page.locator(f"#item-{second.id} .your-status")).to_contain_text(t(language, "Yes"))
    assert _votes(member) == [(second.id, "yes")]

    # A refused vote (no choice ticked) shows why next to its item, and the page stays.
    page.locator(f"#item-{first.id}").get_by_role("button", name=t(language, "Save vote")).click()
    error = page.locator(f"#item-{first.id} .field-error")
    expect(error).to_be_visible()
    expect(page.locator("#ballot-announce")).to_have_text(error.inner_text())
    assert page.evaluate("window.__same_page") is True
    # The browser logs the refusal's status (422) as a failed load; no script error besides.
    assert [e for e in page.js_errors if "status of 422" not in e] == []


@pytest.mark.parametrize("language", ["de", "ar"])
def test_without_script_the_plain_form_still_votes(
    browser, live_server, jury, open_round, language
):
    round_ = open_round()
    member = jury.members[0]
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    set_language(context, live_server, language)
    try:
        page = context.new_page()
        page.goto(ballot_link(member))
        page.wait_for_url(f"**/ballot/{round_.id}*")
        first = round_.agenda[0]
        item = page.locator(f"#item-{first.id}")
        item.get_by_role("radio", name=t(language, "Abstain")).check()
        item.get_by_role("button", name=t(language, "Save vote")).click()
        page.wait_for_url(f"**/ballot/{round_.id}#item-{first.id}")
        assert page.locator(".flash").first.inner_text() == t(
            language, "Your vote on “%(title)s” is saved.", title=first.application.title
        )
        assert t(language, "Abstain") in page.locator(f"#item-{first.id} .your-status").inner_text()
        assert _votes(member) == [(first.id, "abstain")]
    finally:
        context.close()
