"""axe-core finds nothing on any page of the demo, as any role, in German and Arabic (issue 16).

The pages are those of the phone sweep (demo_pages.py: every page rule of the URL map, as each
role that may open it). Each page is loaded once and checked, in a 1280 × 900 px window, with the
WCAG 2 A and AA rules, the best-practice rules and the enhanced (7:1, AAA) text contrast rule; a
violation of any impact fails. All findings are reported at once, grouped by rule and element,
with the pages and roles where they occur.

The walk over the pages is shared with the phone sweep (``sweep_every_page``): the page loaded
for the phone checks is widened to 1280 × 900 px and axe-core runs on it, so each page is
loaded once per language for both tests.
"""

from __future__ import annotations

import os

import pytest

from .demo_pages import LANGUAGES, sweep_every_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        bool(os.environ.get("JURYFUND_TEST_DATABASE_URL")),
        reason="the markup does not depend on the database: the axe sweep runs in the SQLite pass",
    ),
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe_with_aaa_contrast_and_best_practices(
    app, browser, live_server, axe, language
):
    """No axe-core violation (WCAG 2 A/AA, best practice, 7:1 contrast) on any page of the demo."""
    findings = sweep_every_page(app, browser, live_server, language, with_axe=True)
    assert findings.axe_ran
    problems = list(findings.coverage)
    for (rule, help_text, target, html), places in sorted(findings.axe.items()):
        shown = ", ".join(places[:6]) + (f" and {len(places) - 6} more" if len(places) > 6 else "")
        problems.append(f"{rule} {help_text}\n    at {target}: {html}\n    on {shown}")
    print(findings.summary)
    assert problems == [], f"{len(findings.axe)} axe findings:\n" + "\n".join(problems)
