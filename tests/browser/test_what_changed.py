"""Staff read what a resident's edit changed on a 320 px phone, in German and in Arabic: the
changes stack, the history's diff opens, and resident text keeps its own direction."""

from __future__ import annotations

import pytest

from juryfund.domain.actors import Actor
from juryfund.domain.intake import CostLine
from juryfund.extensions import db
from juryfund.services import intake
from tests.fixtures import PASSWORD

from .conftest import application_input, requires_chromium, set_language, t

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.mark.parametrize("language", ["de", "ar"])
def test_what_changed_fits_a_phone_and_opens_in_the_history(
    page, context, live_server, language, submitted, staff
):
    application, _link = submitted
    intake.update(
        application,
        application_input(
            title="مهرجان الفناء: Ein sehr langes Hoffest für den ganzen Hinterhof am Kanal",
            cost_lines=[
                CostLine("Erde", "material", 10, 450),
                CostLine("Musik und Lautsprecheranlage", "services", 1, 60000),
                CostLine("Getränke", "material", 4, 1250),
            ],
            requested_cents=69500,
        ),
        draft_key=None,
        actor=Actor.applicant(application.reference),
    )
    db.session.commit()

    set_language(context, live_server, language)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/staff/login")
    page.get_by_label(t(language, "Email")).fill(staff.email)
    page.get_by_label(t(language, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=t(language, "Log in")).click()
    page.wait_for_load_state()
    page.goto(f"/staff/applications/{application.id}")
    page.wait_for_load_state("load")
    width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"the page is {width[0]} px wide on a {width[1]} px screen"

    section = page.locator("#changes")
    assert section.get_by_role("heading", name=t(language, "What changed")).is_visible()
    # Stacked: before and after of a change sit one below the other on a phone.
    before, after = section.locator("dl.changes > div").first.locator("dd").all()
    assert after.bounding_box()["y"] > before.bounding_box()["y"]
    assert section.locator("del .change-tag").first.inner_text().strip() == t(language, "Before:")
    assert section.locator("bdi[dir=auto]").filter(has_text="مهرجان").count() == 1
    assert t(language, "Cost line added") in section.inner_text()

    # The history's line opens to the same changes.
    details = page.locator("details.history-changes")
    assert not details.locator("dl.changes").is_visible()
    details.locator("summary").click()
    assert details.locator("dl.changes").is_visible()
