"""Query budgets: the decisions page and the API list read with a constant number of queries.

The other pages' budgets are in tests/perf.
"""

from __future__ import annotations

import pytest

from tests.perf.conftest import count_queries  # noqa: F401  (fixture shared with the query budgets)

from .conftest import Spec

pytestmark = [pytest.mark.transparency, pytest.mark.perf]


def test_decisions_page_and_api_do_not_grow_with_decisions(
    client, area, jury, make, decide, count_queries
):
    other = make.fund(area, jury, cap_cents=5_000_000, allocation_cents=6_000_000)
    urls = [
        f"/{area.slug}/decisions",
        f"/api/v1/areas/{area.slug}/decisions?per_page=50",
        f"/{area.slug}/decisions.json",
        f"/{area.slug}/decisions.csv",
        f"/{area.slug}/decisions.atom",
        f"/{area.slug}/report/{{year}}",
        f"/{area.slug}/budget",
        "/api/v1/areas",
    ]

    def measure() -> dict[str, int]:
        from juryfund.services import transparency

        year = transparency.current_year(area)
        counts = {}
        for url in urls:
            url = url.format(year=year)
            counts[url] = count_queries(lambda url=url: client.get(url).get_data())
        return counts

    decide([Spec("Erste Aktion", requested=10000, goals=("Kultur",), participants=5)])
    at_one = measure()
    decide(
        [
            Spec(
                f"Aktion {i}",
                requested=10000,
                outcome="rejected" if i % 2 else "approved",
                goals=("Kultur", "Nachbarschaft"),
                participants=5,
                consent=bool(i % 3),
            )
            for i in range(14)
        ]
    )
    decide(
        [
            Spec(f"Projekt {i}", requested=600000, outcome="rejected" if i % 2 else "approved")
            for i in range(15)
        ],
        in_fund=other,
    )
    at_thirty = measure()

    print("queries at 1 and 30 decisions:", at_one, at_thirty)
    assert at_thirty == at_one
    assert at_one[f"/{area.slug}/decisions"] <= 6
    assert at_one[f"/api/v1/areas/{area.slug}/decisions?per_page=50"] <= 4


def test_city_overview_does_not_grow_with_areas(client, login, make, area, fund, count_queries):
    login(make.admin())
    first = count_queries(lambda: client.get("/staff/overview").get_data())
    for i in range(4):
        more = make.area(name=f"Gebiet {i}", slug=f"gebiet-{i}", code=f"G{i}X")
        make.fund(more, make.body(more, members=3), allocation_cents=100_000 * (i + 1))
    assert count_queries(lambda: client.get("/staff/overview").get_data()) == first
