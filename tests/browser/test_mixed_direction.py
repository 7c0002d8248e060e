"""A German title on Arabic pages keeps its own reading order (issue 16, item 2).

The bidi algorithm lays a left-to-right title out inside a right-to-left line; without
isolation the title's last "!" is a neutral at the end of an Arabic line and jumps to the
title's left, and a number or reference next to it can be pulled in. The test measures where
chromium actually draws each character (Range.getClientRects) instead of reading the HTML:
"Hoffest" must be left of "2026", the "!" at the title's right end, a numbered heading's number
to the right of the title, and a back link's arrow pointing right (back) on an Arabic page.
"""

from __future__ import annotations

import pytest

from juryfund.extensions import db
from juryfund.services import decisions
from tests.factories import ApplicationFactory
from tests.fixtures import PASSWORD, approved_round

from .conftest import requires_chromium, t

pytestmark = [pytest.mark.browser, pytest.mark.i18n, requires_chromium]

TITLE = "Hoffest 2026: Musik & Tanz!"

#: The x positions (left edges) at which chromium draws each character of the first text node
#: inside `selector` that contains `needle`, as [[index, char, left, right], ...].
CHARACTER_BOXES = """
([selector, needle]) => {
  for (const element of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf(needle);
      if (at < 0) continue;
      const boxes = [];
      for (let i = 0; i < needle.length; i++) {
        const range = document.createRange();
        range.setStart(node, at + i);
        range.setEnd(node, at + i + 1);
        const rect = range.getBoundingClientRect();
        boxes.push([i, needle[i], rect.left, rect.right]);
      }
      return boxes;
    }
  }
  return null;
}
"""

#: [left, right] of the first occurrence of `text` inside the first `selector` element whose
#: text contains `within`.
TEXT_BOX = """
([selector, within, text]) => {
  for (const element of document.querySelectorAll(selector)) {
    if (!element.textContent.includes(within)) continue;
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf(text);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + text.length);
      const rect = range.getBoundingClientRect();
      return [rect.left, rect.right];
    }
  }
  return null;
}
"""


def boxes_of(page, selector: str, needle: str = TITLE) -> dict[int, tuple[str, float, float]]:
    """Where each character of `needle` is drawn: index -> (char, left, right)."""
    boxes = page.evaluate(CHARACTER_BOXES, [selector, needle])
    assert boxes, f"{needle!r} not found in {selector} on {page.url}"
    return {i: (char, left, right) for i, char, left, right in boxes}


def assert_reads_left_to_right(boxes: dict[int, tuple[str, float, float]]) -> None:
    """The title is drawn in its own order: "Hoffest" left of "2026", the "!" at the right end."""
    hoffest, year = TITLE.index("Hoffest"), TITLE.index("2026")
    bang = TITLE.index("!")
    assert boxes[hoffest][1] < boxes[year][1], "'2026' is drawn left of 'Hoffest'"
    lefts = [left for _, left, _ in boxes.values()]
    assert boxes[bang][1] == max(lefts), "the '!' jumped away from the title's right end"
    # Every character follows the one before it, left to right (spaces have width too).
    assert lefts == sorted(lefts), f"the title is drawn out of order: {boxes}"


@pytest.fixture
def hoffest(area, fund, jury, staff):
    """The German title, approved and confirmed: it is on the public decisions page and in the
    round's minutes as agenda item 1."""
    application = ApplicationFactory(
        area=area, fund=fund, title=TITLE, requested_cents=48000, language="ar"
    )
    round_ = approved_round(jury, staff, [application])
    decisions.confirm_approval(
        round_.agenda[0], amount_cents=48000, conditions="", reasons="", actor=staff.actor
    )
    db.session.commit()
    return round_


def in_arabic(context) -> None:
    """Choose Arabic as a resident does, by the language cookie."""
    page = context.new_page()
    page.goto("/")
    page.evaluate("document.cookie = 'juryfund_lang=ar; path=/'")
    page.close()


def test_a_german_title_keeps_its_order_on_the_arabic_decisions_page(context, page, area, hoffest):
    in_arabic(context)
    page.goto(f"/{area.slug}/decisions")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_reads_left_to_right(boxes_of(page, "main table"))
    # The German title is marked German though the applicant used the Arabic form.
    assert page.locator("main table bdi", has_text=TITLE).get_attribute("lang") == "de"


def test_a_numbered_heading_and_the_back_link_on_an_arabic_staff_page(
    context, page, staff, hoffest
):
    in_arabic(context)
    page.goto("/staff/login")
    page.locator("input[name=email]").fill(staff.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"/staff/rounds/{hoffest.id}/minutes")
    assert page.locator("html").get_attribute("dir") == "rtl"
    heading = "main h3"
    boxes = boxes_of(page, heading)
    assert_reads_left_to_right(boxes)
    # "1. SOL-… Hoffest …": on a right-to-left page the number opens the heading at the right.
    number = page.evaluate(TEXT_BOX, [heading, TITLE, "1."])
    assert number, "no numbered heading"
    assert number[0] > max(right for _, _, right in boxes.values()), (
        "the heading's number is not on the right of the title"
    )
    # The back link's arrow points right ("back" on a right-to-left page) and stands right of
    # the link's text, where the reading starts.
    back = page.locator("main a", has=page.locator(".arrow")).first
    assert back.locator(".arrow").inner_text() == "→"
    arrow_box = back.locator(".arrow").bounding_box()
    link_box = back.bounding_box()
    assert arrow_box and link_box
    assert arrow_box["x"] + arrow_box["width"] >= link_box["x"] + link_box["width"] - 1
    assert t("ar", "Minutes") in page.locator("h1").inner_text()
