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
least 44 × 44 px (issue 16). The scripts that measure are in demo_pages.py.

The walk is shared with the axe-core sweep (``sweep_every_page``): when that test runs in the same
session, the same page loads serve both, and whichever test comes first does the walk.
"""

from __future__ import annotations

import os

import pytest

from .demo_pages import (  # noqa: F401  (the scripts are read from here too)
    LANGUAGES,
    SMALL_TARGETS_SCRIPT,
    TARGET,
    WIDTH_SCRIPT,
    WIDTHS,
    axe_available,
    sweep_every_page,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        bool(os.environ.get("JURYFUND_TEST_DATABASE_URL")),
        reason="layout does not depend on the database: the phone sweep runs in the SQLite pass",
    ),
]


def _axe_test_selected(session, language: str) -> bool:
    """Whether this session also runs the axe sweep in this language (then the walk serves both)."""
    return any(
        "test_every_page_accessible" in item.nodeid and f"[{language}]" in item.nodeid
        for item in session.items
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_a_phone(app, browser, live_server, language, request):
    """No page of the demo, as any role that may see it, is wider than a 320 or 375 px screen,
    and every control on it is at least 44 × 44 px on the 320 px phone."""
    with_axe = axe_available() and _axe_test_selected(request.session, language)
    findings = sweep_every_page(app, browser, live_server, language, with_axe=with_axe)
    problems = list(findings.coverage)
    problems += [f"too wide: {line}" for line in findings.too_wide]
    for control, places in sorted(findings.small.items()):
        shown = ", ".join(places[:4]) + (f" and {len(places) - 4} more" if len(places) > 4 else "")
        problems.append(f"smaller than {TARGET} px at 320 px: {control} on {shown}")
    assert problems == [], "\n".join(problems)
    print(findings.summary)
