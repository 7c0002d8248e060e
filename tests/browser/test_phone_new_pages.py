"""The pages of this round of work fit a 320 px phone in German and in Arabic (right to left):
the staff dashboard with its to-dos, the notification settings, the application page with its
personal-data section, the erasure page, the minutes print view and the decision letter, and
the applicant's status page with the consent section."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import AgendaItem
from juryfund.services import intake, proofs
from tests.factories import ApplicationFactory
from tests.fixtures import PASSWORD

from .conftest import html_attributes, requires_chromium, set_language, t

pytestmark = [pytest.mark.browser, requires_chromium]

LANGUAGES = ["de", "ar"]


def _fits(page, path: str) -> None:
    """The page, fully loaded, is no wider than the screen."""
    page.goto(path)
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"{path} is {width[0]} px wide on a {width[1]} px screen"


@pytest.mark.parametrize("language", LANGUAGES)
def test_new_staff_and_resident_pages_fit_a_phone(
    page, context, live_server, language, area, fund, staff, approved
):
    area.contact_email = "qm@soldiner.example"
    approved.consent_publish_name = True
    withdrawn = ApplicationFactory(
        area=area, fund=fund, title="Ein sehr langer Projekttitel für den Hinterhof am Kanal"
    )
    intake.withdraw(withdrawn, reason="Wir machen es nächstes Jahr.")
    proof = proofs.proof_for(approved)
    proof.due_on = clock.today_in(None) - timedelta(days=2)  # an overdue proof on the dashboard
    token = intake.new_status_token(approved)
    db.session.commit()
    round_id = db.session.scalar(
        select(AgendaItem.round_id).where(AgendaItem.application_id == approved.id)
    )

    set_language(context, live_server, language)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/staff/login")
    page.get_by_label(t(language, "Email")).fill(staff.email)
    page.get_by_label(t(language, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=t(language, "Log in")).click()
    page.wait_for_load_state()
    _fits(page, "/staff/")
    assert html_attributes(page) == (language, "rtl" if language == "ar" else "ltr")
    for path in (
        "/staff/notices",
        f"/staff/applications/{approved.id}",
        f"/staff/applications/{withdrawn.id}/erase",
        f"/staff/areas/{area.id}/applications?todo=proof_overdue",
        f"/staff/rounds/{round_id}/minutes/print",
        f"/staff/applications/{approved.id}/letter",
    ):
        _fits(page, path)

    resident = context.browser.new_context(base_url=live_server)
    set_language(resident, live_server, language)
    phone = resident.new_page()
    phone.set_viewport_size({"width": 320, "height": 640})
    phone.goto(f"/status/link/{token}")
    _fits(phone, f"/status/{approved.reference}")
    assert phone.get_by_role("button", name=t(language, "Withdraw consent")).is_visible()
    resident.close()
