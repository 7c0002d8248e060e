"""A Ukrainian-speaking jury member votes in a real browser from the link in a delivered mail."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra.mail import deliver_pending
from juryfund.models import ConflictDeclaration, Vote
from tests.smtp_server import links_in, messages_to

from .conftest import fresh, html_attributes, requires_chromium, t

pytestmark = [pytest.mark.browser, requires_chromium]


def test_member_votes_in_ukrainian_from_mailed_link(smtp_app, smtp_server, page, jury, open_round):
    round_ = open_round()
    assert deliver_pending() == 7
    member = next(m for m in jury.members if m.language == "uk")
    [mail] = messages_to(smtp_server, member.email)
    link = next(url for url in links_in(mail) if "/ballot/link/" in url)
    assert link.startswith(smtp_app.config["JURYFUND_BASE_URL"])

    # The browser asks for German, but the member's stored language wins on a first visit.
    page.goto(link)
    page.wait_for_url(f"**/ballot/{round_.id}")
    assert html_attributes(page) == ("uk", "ltr")
    assert "/link/" not in page.url  # the token left the address bar
    first, second, _third = round_.agenda

    # Vote yes on the first application.
    item = page.locator(f"#item-{first.id}")
    item.get_by_role("radio", name=t("uk", "Yes")).check()
    item.get_by_role("button", name=t("uk", "Save vote")).click()
    # The ballot's script sends the vote and replaces the item in place (issue 18).
    expect(page.locator("#ballot-announce")).to_have_text(
        t("uk", "Your vote on “%(title)s” is saved.", title=first.application.title)
    )
    item = page.locator(f"#item-{first.id}")
    assert t("uk", "Your vote:") in item.locator(".your-status").inner_text()

    # Declare a conflict of interest, with a reason, on the second.
    item = page.locator(f"#item-{second.id}")
    item.get_by_text(t("uk", "I have a conflict of interest on this application")).click()
    reason = "Моя донька очолює цю ініціативу."
    item.get_by_label(t("uk", "Reason")).fill(reason)
    item.get_by_role("button", name=t("uk", "Declare conflict of interest")).click()
    page.wait_for_load_state()
    status = page.locator(f"#item-{second.id} .your-status").inner_text()
    assert t("uk", "You declared a conflict of interest:") in status and reason in status
    assert page.locator(f"#item-{second.id} .vote-form").count() == 0  # no vote once conflicted
    assert html_attributes(page)[0] == "uk"

    fresh()
    votes = db.session.scalars(select(Vote).where(Vote.member_id == member.id)).all()
    assert [(v.agenda_item_id, v.choice) for v in votes] == [(first.id, "yes")]
    conflicts = db.session.scalars(
        select(ConflictDeclaration).where(ConflictDeclaration.member_id == member.id)
    ).all()
    assert [(c.agenda_item_id, c.reason) for c in conflicts] == [(second.id, reason)]
    assert page.js_errors == []
