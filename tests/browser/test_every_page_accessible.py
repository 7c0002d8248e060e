"""axe-core finds nothing on any page of the demo, as any role, in German and Arabic (issue 16).

The pages are those of the phone sweep (demo_pages.py: every page rule of the URL map, as each
role that may open it). Each page is loaded once and checked with the WCAG 2 A and AA rules, the
best-practice rules and the enhanced (7:1, AAA) text contrast rule; a violation of any impact
fails. All findings are reported at once, grouped by rule and element, with the pages and roles
where they occur.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict

import pytest

from .demo_pages import LANGUAGES, DemoSweep

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
    started = time.monotonic()
    #: (rule, help, element target, element html) -> ["path as role", ...]
    found: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    with DemoSweep(app, browser, live_server, language) as sweep:
        for visit in sweep.pages(width=1280, height=900):
            where = f"{visit.path} as {visit.role}"
            violations, _report = axe(visit.page, rule_set="aaa")
            for violation in violations:
                for node in violation["nodes"]:
                    key = (
                        f"[{violation['impact']}] {violation['id']}",
                        violation["help"],
                        " ".join(map(str, node["target"])),
                        node["html"][:200],
                    )
                    found[key].append(where)
    problems = sweep.coverage_problems()
    for (rule, help_text, target, html), places in sorted(found.items()):
        shown = ", ".join(places[:6]) + (f" and {len(places) - 6} more" if len(places) > 6 else "")
        problems.append(f"{rule} {help_text}\n    at {target}: {html}\n    on {shown}")
    print(f"{sweep.summary()} in {time.monotonic() - started:.0f} s")
    assert problems == [], f"{len(found)} axe findings:\n" + "\n".join(problems)
