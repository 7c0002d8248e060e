"""axe-core on the pages residents and members use, in German and in Arabic (right to left).

Fails on any violation of impact "serious" or "critical"; the printed report lists every
violation found (also the minor ones) with the elements concerned.
"""

from __future__ import annotations

import pytest

from .conftest import ballot_link, html_attributes, requires_chromium, set_language, t

pytestmark = [pytest.mark.browser, requires_chromium]

LANGUAGES = ["de", "ar"]


def check(page, axe, language: str) -> None:
    """The page is in the language, and axe finds nothing serious or critical on it."""
    assert html_attributes(page) == (language, "rtl" if language == "ar" else "ltr")
    serious, report = axe(page)
    print(f"axe on {page.url}:\n{report or 'no violations'}")
    assert serious == [], f"axe-core: serious or critical violations on {page.url}:\n{report}"
    assert page.js_errors == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_area_page_has_no_serious_violations(page, context, live_server, axe, language, area, fund):
    set_language(context, live_server, language)
    page.goto(f"/{area.slug}/")
    check(page, axe, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_application_form_with_errors_has_no_serious_violations(
    page, context, live_server, axe, language, area, fund
):
    set_language(context, live_server, language)
    page.goto(f"/{area.slug}/apply")
    page.locator("#title").fill("Hoffest")
    page.locator("#requested").fill("2000")  # above the cap
    page.locator("#cost_items-0-unit_price").fill("12,3,4")  # not an amount
    page.get_by_role("button", name=t(language, "Check application")).click()
    page.locator("#error-summary").wait_for()
    check(page, axe, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_status_page_has_no_serious_violations(
    page, context, live_server, axe, language, submitted
):
    application, link = submitted
    set_language(context, live_server, language)
    page.goto(link)
    page.wait_for_url(f"**/status/{application.reference}")
    check(page, axe, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_ballot_page_has_no_serious_violations(
    page, context, live_server, axe, language, jury, open_round
):
    round_ = open_round()
    set_language(context, live_server, language)
    page.goto(ballot_link(jury.members[0]))
    page.wait_for_url(f"**/ballot/{round_.id}")
    page.locator("details.conflict summary").first.click()  # the conflict form, opened
    check(page, axe, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_skip_link_is_first_tab_stop_and_moves_focus_to_content(
    page, context, live_server, language, area, fund
):
    set_language(context, live_server, language)
    page.goto(f"/{area.slug}/apply")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.className, document.activeElement.textContent]"
    )
    assert focused == ["skip-link", t(language, "Skip to content")]
    assert page.locator(".skip-link").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("language", LANGUAGES)
def test_application_form_with_errors_fits_a_phone_without_sideways_scrolling(
    page, context, live_server, language, area, fund
):
    set_language(context, live_server, language)
    page.set_viewport_size({"width": 320, "height": 640})  # WCAG 1.4.10 reflow
    page.goto(f"/{area.slug}/apply")
    page.get_by_role("button", name=t(language, "Check application")).click()
    page.locator("#error-summary").wait_for()
    # Measure the finished page: on a loaded machine the stylesheet may still be on its way
    # when the error summary is already in the document.
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"page is {width[0]} px wide on a {width[1]} px screen"


@pytest.mark.parametrize("language", LANGUAGES)
def test_budget_and_report_of_a_closed_year_fit_a_phone(
    page, context, live_server, language, area, fund, staff
):
    """Five balance columns, the lapsed/carried wording and the budget terms stay on screen."""

    from juryfund.extensions import db
    from juryfund.infra import clock
    from juryfund.services import books, setup

    last = setup.open_fund_year(
        fund, year=clock.area_today(area).year - 1, allocation_cents=500_000, actor=staff.actor
    )
    db.session.commit()
    books.close_year(last, actor=staff.actor)
    db.session.commit()
    set_language(context, live_server, language)
    page.set_viewport_size({"width": 320, "height": 640})
    for path in (
        f"/{area.slug}/budget?year={last.year}",
        f"/{area.slug}/report?year={last.year}",
        f"/{area.slug}/budget",
    ):
        page.goto(path)
        page.wait_for_load_state("load")
        width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1], f"{path} is {width[0]} px wide on a {width[1]} px screen"
