"""Every page of the demo, as each role, fits a 320 px and a 375 px phone in German and Arabic.

Issue 14, item 9. The pages come from the app's URL map, not from a list kept by hand: every GET
rule that answers with a page must be reached (with HTTP 200 and HTML) by at least one role, so a
new page joins the check the day it is added, and a rule the sweep cannot fill in fails it until
someone says which demo objects it shows. Downloads, feeds, the API and links that only set
something in the session and redirect are not pages and are left out by name.

The pages (demo_pages.py) are loaded at 320 px, then the same page is widened to 375 px; either
width failing ("the document is wider than the screen") is reported with the page and the role,
all at once. At 320 px every control is also measured: buttons, inputs, selects, summaries,
checkboxes and radios with their labels, and links that are not part of running text must be at
least 44 × 44 px (issue 16).
"""

from __future__ import annotations

import os

import pytest

from .demo_pages import LANGUAGES, DemoSweep

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        bool(os.environ.get("JURYFUND_TEST_DATABASE_URL")),
        reason="layout does not depend on the database: the phone sweep runs in the SQLite pass",
    ),
]

WIDTHS = (320, 375)
#: The smallest target a finger may need to hit (WCAG 2.5.5, AAA), in CSS pixels; half a pixel
#: of rounding is allowed.
TARGET = 44

WIDTH_SCRIPT = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"

#: Every control a person taps, with its box: too small ones as [description, width, height].
#: A checkbox or radio counts together with its labels (a tap on the label ticks it). Links inside
#: running text (a block that has text besides the link) are exempt, as WCAG 2.5.5 exempts them;
#: hidden controls (not rendered, or clipped to a pixel for screen readers) are not targets.
#: Map markers are exempt as WCAG 2.5.5 exempts a target with an equivalent one on the page:
#: every project on a map is also a full-size link in the list that is the page's main content.
SMALL_TARGETS_SCRIPT = """(target) => {
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]');
  const blockOf = (el) => {
    let node = el.parentElement;
    while (node && getComputedStyle(node).display.startsWith('inline')) node = node.parentElement;
    return node;
  };
  const text = (el) => (el.innerText || '').replace(/\\s+/g, ' ').trim();
  const small = [];
  for (const el of controls) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('[hidden], .visually-hidden')) continue;
    let box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if (el.classList.contains('leaflet-marker-icon')) continue;  // listed below the map
    if (el.tagName === 'A') {
      const block = blockOf(el);
      if (block && text(block) !== text(el)) continue;  // a link in running text
    }
    if (el.type === 'checkbox' || el.type === 'radio') {
      let [l, t, r, b] = [box.left, box.top, box.right, box.bottom];
      for (const label of el.labels || []) {
        const lb = label.getBoundingClientRect();
        [l, t, r, b] = [Math.min(l, lb.left), Math.min(t, lb.top), Math.max(r, lb.right), Math.max(b, lb.bottom)];
      }
      box = {width: r - l, height: b - t};
    }
    if (box.width < target - 0.5 || box.height < target - 0.5) {
      const name = el.id ? '#' + el.id : (el.className ? '.' + String(el.className).split(' ').join('.') : '');
      small.push([`<${el.tagName.toLowerCase()}${name}> "${text(el).slice(0, 40) || el.name || el.type}"`,
                  Math.round(box.width), Math.round(box.height)]);
    }
  }
  return small;
}"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_a_phone(app, browser, live_server, language):
    """No page of the demo, as any role that may see it, is wider than a 320 or 375 px screen,
    and every control on it is at least 44 × 44 px on the 320 px phone."""
    too_wide: list[str] = []
    small: dict[str, list[str]] = {}
    with DemoSweep(app, browser, live_server, language) as sweep:
        for visit in sweep.pages(width=WIDTHS[0]):
            for control, width, height in visit.page.evaluate(SMALL_TARGETS_SCRIPT, TARGET):
                small.setdefault(f"{control} {width} × {height} px", []).append(
                    f"{visit.path} as {visit.role}"
                )
            for width in WIDTHS:
                visit.page.set_viewport_size({"width": width, "height": 640})
                scroll_width, client_width = visit.page.evaluate(WIDTH_SCRIPT)
                if scroll_width > client_width:
                    too_wide.append(
                        f"{visit.path} as {visit.role}: {scroll_width} px on a {client_width} px screen"
                    )
    problems = sweep.coverage_problems()
    problems += [f"too wide: {line}" for line in too_wide]
    for control, places in sorted(small.items()):
        shown = ", ".join(places[:4]) + (f" and {len(places) - 4} more" if len(places) > 4 else "")
        problems.append(f"smaller than {TARGET} px at 320 px: {control} on {shown}")
    assert problems == [], "\n".join(problems)
    print(sweep.summary())
