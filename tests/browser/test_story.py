"""The applicant adds a project story with two phone photos on a 320 px phone (German and
Arabic, right to left); staff approve; the public project page shows the photos with their
descriptions, on the phone too (issue 17)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import StoryPhoto
from juryfund.services import intake, stories
from tests.photos import phone_jpeg

from .conftest import html_attributes, requires_chromium, set_language, t

pytestmark = [pytest.mark.browser, pytest.mark.transparency, requires_chromium]

STORY = "Zwölf Nachbarinnen haben das Beet bepflanzt; die Kinder gießen es jetzt jeden Tag."
ALTS = ("Frisch bepflanztes Hochbeet an der Ecke", "Kinder mit Gießkannen vor dem Beet")
WIDTH_SCRIPT = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def _fits(page) -> None:
    scroll_width, client_width = page.evaluate(WIDTH_SCRIPT)
    assert scroll_width <= client_width, f"{page.url}: {scroll_width} px on {client_width} px"


@pytest.mark.parametrize("language", ["de", "ar"])
def test_applicant_adds_a_story_with_two_photos_on_a_phone(
    context, page, live_server, language, approved, staff, axe
):
    token = intake.new_status_token(approved)
    db.session.commit()
    set_language(context, live_server, language)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/status/link/{token}")
    page.get_by_role("link", name=t(language, "Add a story with photos")).click()
    page.wait_for_load_state()
    assert html_attributes(page) == (language, "rtl" if language == "ar" else "ltr")
    _fits(page)

    page.locator("#text").fill(STORY)
    for index, (color, alt) in enumerate(zip(("green", "orange"), ALTS, strict=True)):
        page.locator(f"#new_photos-{index}-file").set_input_files(
            {"name": f"IMG_{index}.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg(color)}
        )
        page.locator(f"#new_photos-{index}-alt_text").fill(alt)
    page.locator("#consent").check()
    page.get_by_role("button", name=t(language, "Save and send to the QM team")).click()
    page.wait_for_load_state()

    # Back on the story page: both photos shown with their descriptions, the page still fits.
    for alt in ALTS:
        image = page.get_by_role("img", name=alt)
        assert image.is_visible()
        # A lazy image may still be on its way: decode() waits for it (and fails for a broken one).
        assert image.evaluate("img => img.decode().then(() => img.naturalWidth > 0, () => false)")
    _fits(page)
    bad, report = axe(page)
    assert bad == [], report

    # Staff approve; the public project page shows the story on the phone.
    db.session.expire_all()
    assert len(db.session.scalars(select(StoryPhoto)).all()) == 2
    stories.approve(approved, actor=staff.actor)
    db.session.commit()
    public = context.browser.new_context(base_url=live_server)
    set_language(public, live_server, language)
    visitor = public.new_page()
    visitor.set_viewport_size({"width": 320, "height": 640})
    visitor.goto(f"/{approved.area.slug}/projects/{approved.reference}")
    assert STORY in visitor.locator("main").inner_text()
    for alt in ALTS:
        image = visitor.get_by_role("img", name=alt)
        image.scroll_into_view_if_needed()
        # A lazy image may still be on its way: decode() waits for it (and fails for a broken one).
        assert image.evaluate("img => img.decode().then(() => img.naturalWidth > 0, () => false)")
    _fits(visitor)
    public.close()
