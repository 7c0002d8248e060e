"""Every control shows a visible focus ring when reached by keyboard (issue 16, item 5).

Tabbing through a page, each element that takes focus must match ``:focus-visible`` and draw an
outline of at least 2 px whose colour has at least 3:1 contrast with the background around it
(the outline lies outside the element, on its parent's background): dark on the white and the
grey-blue tint, yellow in the dark green header. Pages: the application form (links, buttons,
inputs, selects, a summary, checkboxes, a file picker), the budget page (a select and a button)
and the ballot (radios, a summary).
"""

from __future__ import annotations

import pytest

from .conftest import ballot_link, requires_chromium, set_language

pytestmark = [pytest.mark.browser, requires_chromium]

#: The focused element's ring: [kind (tag[type]), description, matches :focus-visible, outline style, width in px,
#: contrast of the outline colour with the nearest opaque background behind it].
RING_SCRIPT = """() => {
  const el = document.activeElement;
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let node = el.parentElement, bg = [255, 255, 255];
  while (node) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] === 1)) { bg = c.slice(0, 3); break; }
    node = node.parentElement;
  }
  const style = getComputedStyle(el);
  const [a, b] = [lum(rgb(style.outlineColor).slice(0, 3)), lum(bg)].sort((x, y) => y - x);
  const kind = el.tagName.toLowerCase() + (el.type ? `[${el.type}]` : '');
  return [kind, (el.id ? '#' + el.id + ' ' : '') + '"' + (el.innerText || el.value || '').trim().slice(0, 30) + '"',
          // a date or time field keeps the focus in its day/month/year parts: :focus-within on the
          // field is the keyboard focus there
          el.matches(':focus-visible') || (/^(date|datetime-local|time)$/.test(el.type) && el.matches(':focus-within')),
          style.outlineStyle, parseFloat(style.outlineWidth),
          (a + 0.05) / (b + 0.05)];
}"""


def rings(page, limit: int = 250) -> list[list]:
    """Tab from the top of the page through every focusable element once; each one's ring."""
    seen: list[list] = []
    first = None
    for _ in range(limit):
        page.keyboard.press("Tab")
        handle = page.evaluate_handle("document.activeElement")
        if page.evaluate("document.activeElement === document.body"):
            break
        if first is not None and page.evaluate("(el) => el === document.activeElement", first):
            break
        first = first or handle
        seen.append(page.evaluate(RING_SCRIPT))
    return seen


def bad_rings(found: list[list]) -> list[str]:
    """The rings that are missing, thinner than 2 px or too faint."""
    return [
        f"{kind} {name}: focus-visible={visible} outline={style} {width}px contrast {contrast:.1f}:1"
        for kind, name, visible, style, width, contrast in found
        if not visible or style == "none" or width < 2 or contrast < 3
    ]


@pytest.mark.parametrize("language", ["de", "ar"])
def test_every_control_on_the_form_and_budget_shows_a_focus_ring(
    page, context, live_server, language, area, fund
):
    set_language(context, live_server, language)
    page.goto(f"/{area.slug}/apply")
    form = rings(page)
    kinds = {kind for kind, *_ in form}
    assert {"a", "button[submit]", "input[text]", "input[checkbox]", "select[select-one]"} <= kinds
    assert "summary" in kinds and "textarea[textarea]" in kinds
    page.goto(f"/{area.slug}/budget")
    budget = rings(page)
    problems = [f"apply: {line}" for line in bad_rings(form)]
    problems += [f"budget: {line}" for line in bad_rings(budget)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("language", ["de", "ar"])
def test_ballot_radios_and_summaries_show_a_focus_ring(
    page, context, live_server, language, jury, open_round
):
    round_ = open_round()
    set_language(context, live_server, language)
    page.goto(ballot_link(jury.members[0]))
    page.wait_for_url(f"**/ballot/{round_.id}")
    found = rings(page)
    assert {"input[radio]", "summary"} <= {kind for kind, *_ in found}
    assert bad_rings(found) == []
