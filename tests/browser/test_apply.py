"""Residents apply in a real browser: in Turkish (language switcher) and in Arabic (right to left)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from juryfund.domain.money import format_amount_for_input
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application

from .conftest import fresh, html_attributes, requires_chromium, t

pytestmark = [pytest.mark.browser, requires_chromium]

START = (clock.today_in(None) + timedelta(days=30)).isoformat()
ARABIC_LETTER = re.compile("[\u0600-\u06ff]")


def fill_application(page, values: dict[str, str], checks: tuple[str, ...]) -> None:
    """Type into the form's fields by id and tick the given checkboxes or radios."""
    for selector, value in values.items():
        page.locator(selector).fill(value)
    for selector in checks:
        page.locator(selector).check()


def turkish_application(requested: str) -> dict[str, str]:
    """The fields a Turkish-speaking resident fills in, three cost lines, amounts typed in Turkish."""
    return {
        "#applicant_name": "Ayşe Yılmaz",
        "#organisation": "Avlu Topluluğu",
        "#email": "ayse@example.org",
        "#address": "Soldiner Str. 1, 13359 Berlin",
        "#title": "Avlu şenliği",
        "#description": "Komşularla birlikte avluda bir şenlik düzenliyoruz.",
        "#target_group": "Mahalle sakinleri",
        "#place": "Avlu, Soldiner Str. 1",
        "#start_date": START,
        "#end_date": START,
        "#participants": "40",
        "#cost_items-0-description": "Toprak",
        "#cost_items-0-quantity": "10",
        "#cost_items-0-unit_price": "4,50",
        "#cost_items-1-description": "Fide",
        "#cost_items-1-quantity": "20",
        "#cost_items-1-unit_price": "30,00",
        "#cost_items-2-description": "Müzisyen",
        "#cost_items-2-quantity": "1",
        "#cost_items-2-unit_price": "600",
        "#volunteer_hours": "12",
        "#requested": requested,
    }


DECLARATIONS = (
    "input[name=applicant_kind][value=initiative]",
    "#lives_or_acts_in_area",
    "#declared_not_started",
    "#declared_no_own_fee",
    "#consent_processing",
)


def test_resident_applies_in_turkish_after_switching_language(page, area, fund, jury):
    page.goto(f"/{area.slug}/")
    assert html_attributes(page) == ("de", "ltr")  # the browser asks for German

    page.get_by_role("link", name="Türkçe", exact=True).click()
    page.wait_for_url(f"**/{area.slug}/")
    assert html_attributes(page) == ("tr", "ltr")
    page.get_by_role("link", name=t("tr", "Apply for money")).click()
    page.wait_for_url(f"**/{area.slug}/apply")
    assert html_attributes(page)[0] == "tr"
    assert page.get_by_role("heading", level=1).inner_text() == t("tr", "Apply for money")

    # An amount written the Turkish way: decimal comma ("1234,50").
    requested = format_amount_for_input(123450, "tr")
    assert requested == "1234,50"
    fill_application(page, turkish_application(requested), DECLARATIONS)
    page.get_by_role("button", name=t("tr", "Check application")).click()

    panel = page.locator("#confirm")
    panel.wait_for()
    assert t("tr", "Please check and send") in panel.inner_text()
    assert fund.name in panel.inner_text() and jury.name in panel.inner_text()
    assert page.locator("#error-summary").count() == 0
    panel.get_by_role("button", name=t("tr", "Send application")).click()

    page.wait_for_url(f"**/{area.slug}/apply/done")
    assert html_attributes(page)[0] == "tr"
    reference = page.locator(".reference").inner_text()
    fresh()
    application = db.session.scalars(select(Application)).one()
    assert (application.reference, application.language) == (reference, "tr")
    assert (application.title, application.requested_cents, application.total_cents) == (
        "Avlu şenliği",
        123450,
        10 * 450 + 20 * 3000 + 60000,
    )
    assert [(c.description, c.quantity, c.unit_cents) for c in application.cost_items] == [
        ("Toprak", 10, 450),
        ("Fide", 20, 3000),
        ("Müzisyen", 1, 60000),
    ]
    assert page.js_errors == []


@pytest.mark.parametrize("browser_locale", ["ar"])  # first visit: the browser's language decides
def test_resident_applies_in_arabic_understands_errors_and_keeps_input(page, snapshot, area, fund):
    page.goto(f"/{area.slug}/apply")
    assert html_attributes(page) == ("ar", "rtl")

    values = turkish_application("٢٠٠٠")  # 2,000 € in Arabic-Indic digits: above the 1,500 € cap
    values.update(
        {
            "#applicant_name": "فاطمة حسن",
            "#organisation": "",
            "#title": "",
            "#description": "نزرع الزهور مع الجيران في الفناء.",
            "#target_group": "سكان الحي",
            "#place": "الفناء",
            "#cost_items-2-description": "موسيقي",
            "#cost_items-2-unit_price": "1600",
        }
    )
    fill_application(page, values, DECLARATIONS)
    page.get_by_role("button", name=t("ar", "Check application")).click()
    page.wait_for_load_state()

    summary = page.locator("#error-summary")
    summary.wait_for()
    snapshot("errors")
    assert summary.get_attribute("role") == "alert"
    summary.focus()  # focusable (tabindex="-1"), so a script or the skip link can move focus to it
    assert page.evaluate("document.activeElement.id") == "error-summary"

    links = summary.locator("a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert set(targets) == {"#title", "#requested"}, targets
    for i, target in enumerate(targets):
        assert page.locator(target).count() == 1  # each link leads to its field
        text = links.nth(i).inner_text()
        assert ARABIC_LETTER.search(text), f"error not in Arabic: {text!r}"
    required_ar, required_en = (
        t("ar", "This field is required."),
        t("en", "This field is required."),
    )
    assert required_ar != required_en, "the Arabic catalog lacks the required-field message"
    assert required_ar in page.locator("#title-error").inner_text()
    over_cap = page.locator("#requested-error").inner_text()
    assert ARABIC_LETTER.search(over_cap) and "This fund gives at most" not in over_cap
    assert page.locator("#title").get_attribute("aria-invalid") == "true"
    assert "title-error" in page.locator("#title").get_attribute("aria-describedby")

    links.first.click()  # following a summary link puts the cursor into the field
    assert page.evaluate("document.activeElement.id") == targets[0].lstrip("#")

    # Everything typed is still there, exactly as typed (the amount in Arabic-Indic digits too).
    for selector, value in values.items():
        assert page.locator(selector).input_value() == value, selector
    for selector in DECLARATIONS:
        assert page.locator(selector).is_checked(), selector

    requested = format_amount_for_input(123450, "ar")
    page.locator("#title").fill("زهور للفناء")
    page.locator("#requested").fill(requested)
    page.get_by_role("button", name=t("ar", "Check application")).click()
    page.locator("#confirm").wait_for()
    assert page.locator("#error-summary").count() == 0
    page.locator("#confirm").get_by_role("button", name=t("ar", "Send application")).click()

    # The browser keeps the "#title" of the summary link across the redirect.
    page.wait_for_url(re.compile(rf"/{area.slug}/apply/done(#.*)?$"))
    assert html_attributes(page) == ("ar", "rtl")
    reference = page.locator(".reference").inner_text()
    fresh()
    application = db.session.scalars(select(Application)).one()
    assert (application.reference, application.language, application.title) == (
        reference,
        "ar",
        "زهور للفناء",
    )
    assert application.requested_cents == 123450
    assert page.js_errors == []
