"""The public pages: decisions with filters and pages, project pages, budget chart, annual report."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from juryfund.extensions import db
from juryfund.services import books, ledger, setup, transparency

from .conftest import Spec

pytestmark = pytest.mark.transparency

SVG = "{http://www.w3.org/2000/svg}"


def rows_of(html: str) -> list[str]:
    """The ids of the decision rows on a decisions page, in order."""
    return re.findall(r'<tr id="decision-(\d+)"', html)


def test_area_page_links_to_transparency_pages(client, area):
    html = client.get(f"/{area.slug}/").get_data(as_text=True)
    year = transparency.current_year(area)
    for path in (
        f"/{area.slug}/decisions",
        f"/{area.slug}/budget",
        f"/{area.slug}/report/{year}",
        f"/{area.slug}/decisions.atom",
    ):
        assert f'href="{path}"' in html


def test_decisions_page_lists_title_who_body_outcome_amount(client, area, jury, decide):
    decide(
        [
            Spec("Hoffest", 57000, kind="initiative", organisation="Hofgemeinschaft", name="Ayşe"),
            Spec("Kiezkino", outcome="rejected", kind="person", name="Jonas Becker"),
        ]
    )
    html = client.get(f"/{area.slug}/decisions", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Hoffest" in html and "Hofgemeinschaft" in html and "Kiezkino" in html
    assert "Private initiative" in html and "Jonas Becker" not in html and "Ayşe" not in html
    assert jury.name in html
    assert "€570.00" in html
    assert "Approved" in html and "Rejected" in html
    assert "2 decisions" in html


def test_decisions_page_year_and_fund_filters(client, area, fund, jury, make, decide, staff):
    other = make.fund(area, jury, cap_cents=5_000_000, allocation_cents=6_000_000)
    # The fund had a 2025 budget: the 2025 decision is booked, and listed, in 2025.
    setup.open_fund_year(fund, year=2025, allocation_cents=1_000_000, actor=staff.actor)
    (last_year,) = decide([Spec("Vorjahresfest")], at=datetime(2025, 6, 1, 12, tzinfo=UTC))
    (small,) = decide([Spec("Pflanzaktion")])
    (big,) = decide([Spec("Stadtteilzeitung", requested=800000)], in_fund=other)

    this_year = client.get(f"/{area.slug}/decisions").get_data(as_text=True)
    assert (
        "Pflanzaktion" in this_year
        and "Stadtteilzeitung" in this_year
        and "Vorjahresfest" not in this_year
    )
    only_2025 = client.get(f"/{area.slug}/decisions?year=2025").get_data(as_text=True)
    assert "Vorjahresfest" in only_2025 and "Pflanzaktion" not in only_2025
    assert '<option value="2025" selected>' in only_2025
    only_other = client.get(f"/{area.slug}/decisions?fund={other.id}").get_data(as_text=True)
    assert "Stadtteilzeitung" in only_other and "Pflanzaktion" not in only_other
    assert f'<option value="{other.id}" selected>' in only_other


def test_decisions_page_pagination_20_per_page_with_clamping(client, area, decide):
    start = datetime.now(UTC) - timedelta(days=2)
    if start.year != transparency.current_year(area):  # keep all 25 in this year
        start = datetime.now(UTC)
    for i in range(25):
        decide(
            [Spec(f"Aktion {i:02d}", requested=10000, outcome="rejected" if i % 2 else "approved")],
            at=start - timedelta(minutes=25 - i),
        )
    first = client.get(f"/{area.slug}/decisions").get_data(as_text=True)
    assert len(rows_of(first)) == 20
    assert "Page 1 of 2" in first or "Seite 1 von 2" in first
    assert "Aktion 24" in first and "Aktion 04" not in first  # newest first
    second = client.get(f"/{area.slug}/decisions?page=2").get_data(as_text=True)
    assert len(rows_of(second)) == 5 and "Aktion 00" in second
    assert set(rows_of(first)).isdisjoint(rows_of(second))
    assert rows_of(
        client.get(f"/{area.slug}/decisions?page=999").get_data(as_text=True)
    ) == rows_of(second)
    assert rows_of(client.get(f"/{area.slug}/decisions?page=0").get_data(as_text=True)) == rows_of(
        first
    )
    assert 'rel="next"' in first and 'rel="prev"' in second


@pytest.mark.parametrize(
    "query",
    [
        "year=abc",
        "year=99999999999999999999999999",
        "year=1999",
        "year=-1",
        "page=-3",
        "page=1e9",
        "page=" + "9" * 5000,
        "fund=x",
        "fund=999999999999",
        "fund=0",
        "page=%F0%9F%98%80",
        "year=２０２６",
        "year=&fund=&page=",
        "year=2026&year=abc",
        "page=99999999999",
    ],
)
def test_no_query_string_breaks_the_pages(client, area, decide, query):
    decide([Spec("Hoffest")])
    for path in ("decisions", "budget", "decisions.csv", "decisions.json", "decisions.atom"):
        response = client.get(f"/{area.slug}/{path}?{query}")
        assert response.status_code == 200, (path, query)
        response.get_data()


def test_a_nul_in_the_query_string_is_a_clear_400(client, area, decide):
    decide([Spec("Hoffest")])
    for path in ("decisions", "budget", "decisions.csv", "decisions.json", "decisions.atom"):
        assert client.get(f"/{area.slug}/{path}?year=%00").status_code == 400, path


def test_unknown_area_is_404(client):
    for path in (
        "decisions",
        "budget",
        "report/2026",
        "decisions.csv",
        "decisions.json",
        "decisions.atom",
        "projects/SOL-2026-0001",
    ):
        assert client.get(f"/no-such-area/{path}").status_code == 404


def test_project_page_of_a_funded_project(client, area, jury, decide):
    (app,) = decide(
        [
            Spec(
                "Hoffest",
                60000,
                approved=50000,
                goals=("Nachbarschaft", "Kultur"),
                participants=120,
                kind="initiative",
                organisation="Hofgemeinschaft",
            )
        ]
    )
    response = client.get(
        f"/{area.slug}/projects/{app.reference}", headers={"Accept-Language": "en"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in (
        "Hoffest",
        "Hoffest: Beschreibung",
        "Soldiner Kiez",
        "Nachbarschaft",
        "Kultur",
        "€500.00",
        jury.name,
        "Hofgemeinschaft",
        "Funded",
        "120",
    ):
        assert text in html, text
    assert app.email not in html and app.address not in html and app.applicant_name not in html


def test_project_page_shows_settled_and_cancelled(client, area, staff, decide):
    kept, dropped = decide([Spec("Hoffest"), Spec("Kino")])
    books.cancel(dropped, reason="Findet nicht statt", actor=staff.actor)
    db.session.commit()
    html = client.get(
        f"/{area.slug}/projects/{dropped.reference}", headers={"Accept-Language": "en"}
    )
    assert html.status_code == 200 and "Cancelled" in html.get_data(as_text=True)
    assert client.get(f"/{area.slug}/projects/{kept.reference}").status_code == 200


def test_no_project_page_without_funding(client, area, make, decide):
    (rejected,) = decide([Spec("Kino", outcome="rejected")])
    (deferred,) = decide([Spec("Lesecafé", outcome="no_quorum")])
    (funded,) = decide([Spec("Hoffest")])
    other = make.area(name="Lerchenberg", slug="lerchenberg", code="LER")
    assert client.get(f"/{area.slug}/projects/{rejected.reference}").status_code == 404
    assert client.get(f"/{area.slug}/projects/{deferred.reference}").status_code == 404
    assert client.get(f"/{area.slug}/projects/NOPE-1").status_code == 404
    assert client.get(f"/{other.slug}/projects/{funded.reference}").status_code == 404


def test_budget_page_draws_svg_chart_with_the_ledger_values(client, area, fund, staff, decide):
    (app,) = decide([Spec("Hoffest", 60000)])
    ledger.book(
        fund.years[0], "payment", 25000, application=app, payment_type="advance", actor=staff.actor
    )
    db.session.commit()
    response = client.get(f"/{area.slug}/budget", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script" not in html
    svg_text = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    svg = ET.fromstring(svg_text)
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text.startswith("Budget")
    desc = svg.find(f"{SVG}desc").text
    for amount in ("€10,000.00", "€600.00", "€250.00", "€9,400.00"):
        assert amount in desc and amount in html
    bars = {g.get("data-series"): g for g in svg.iter(f"{SVG}g")}
    widths = {key: float(g.find(f"{SVG}rect").get("width")) for key, g in bars.items()}
    values = {"allocated": 1_000_000, "committed": 60000, "paid": 25000, "available": 940000}
    for key, cents in values.items():  # bar lengths are proportional to the values
        assert widths[key] / widths["allocated"] == pytest.approx(cents / 1_000_000, abs=0.002)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "€600.00" in texts and "Available" in texts
    table = re.search(r'<table class="numbers budget-table">.*?</table>', html, re.S).group(0)
    assert "€10,000.00" in table and "€9,400.00" in table


def test_budget_chart_does_not_rely_on_colour_and_is_described(client, area, fund, decide):
    """Issue 16: each series has its own pattern, each bar its text label; the figures are the
    chart's accessible description."""
    decide([Spec("Hoffest", 60000)])
    html = client.get(f"/{area.slug}/budget", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", html, re.S).group(0))
    patterns = {p.get("id"): p for p in svg.iter(f"{SVG}pattern")}
    fills = {}
    for group in svg.iter(f"{SVG}g"):
        bar = group.find(f"{SVG}rect")
        fills[group.get("data-series")] = bar.get("fill")
        assert group.find(f"{SVG}text").text  # the series' name next to the bar
    assert len(set(fills.values())) == len(fills) == 4
    for fill in fills.values():
        pattern = patterns[fill.removeprefix("url(#").removesuffix(")")]
        assert pattern.find(f"{SVG}rect").get("class") == "pattern-bg"
    marks = [len(list(p)) for key, p in patterns.items() if key != "pattern-allocated"]
    assert all(count > 1 for count in marks)  # a mark over the colour: stripes, hatch, dots
    described = svg.get("aria-describedby").split()
    assert "budget-chart-desc" in described and "budget-chart-caption" in described
    assert 'id="budget-chart-caption"' in html


def test_budget_chart_mirrors_in_arabic(client, area, decide):
    decide([Spec("Hoffest", 60000)])
    client.get("/language/ar")
    html = client.get(f"/{area.slug}/budget").get_data(as_text=True)
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", html, re.S).group(0))
    assert svg.get("direction") == "rtl"
    rect = next(r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar")
    width = float(rect.get("width"))
    # mirrored: the bars end at the right side of the chart instead of starting on the left
    assert float(rect.get("x")) + width == pytest.approx(720 - 140, abs=0.2)


def test_budget_page_without_budget_says_so(client, area, make, jury):
    html = client.get(f"/{area.slug}/budget?year=2031", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "No budget is set for 2031 yet." in html and "<svg" not in html


def test_annual_report_totals_per_fund_and_action_field(client, area, jury, make, staff, decide):
    other = make.fund(area, jury, cap_cents=5_000_000, allocation_cents=6_000_000)
    a, b, c, cancelled = decide(
        [
            Spec("Hoffest", 60000, goals=("Nachbarschaft",), participants=100),
            Spec(
                "Kiezchor",
                40000,
                approved=30000,
                goals=("Nachbarschaft", "Kultur"),
                participants=25,
            ),
            Spec("Kiezkino", outcome="rejected", goals=("Kultur",), participants=999),
            Spec("Abgesagt", 20000, goals=("Kultur",), participants=500),
        ]
    )
    (big,) = decide(
        [Spec("Stadtteilzeitung", 700000, goals=("Kultur",), participants=300)], in_fund=other
    )
    books.cancel(cancelled, reason="Findet nicht statt", actor=staff.actor)
    db.session.commit()
    year = transparency.current_year(area)

    report = transparency.annual_report(area, year)
    assert [p.reference for p in report.projects] == [a.reference, b.reference, big.reference]
    assert [(t.label, t.projects, t.approved_cents) for t in report.per_fund] == [
        ("Aktionsfonds", 2, 90000),
        ("Aktionsfonds", 1, 700000),
    ]
    assert [(t.label, t.projects, t.approved_cents) for t in report.per_field] == [
        ("Nachbarschaft", 2, 90000),
        ("Kultur", 2, 730000),
    ]
    assert report.participants == 425
    assert report.approved_cents == 790000
    assert (report.approved_count, report.rejected_count) == (4, 1)
    assert [p.reference for p in report.cancelled] == [cancelled.reference]

    response = client.get(f"/{area.slug}/report/{year}", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<dd data-key="participants">425</dd>' in html
    assert '<dd data-key="approved">€7,900.00</dd>' in html
    per_field = re.search(r'<table class="numbers report-per-field">.*?</table>', html, re.S).group(
        0
    )
    assert re.search(r"Kultur(</bdi>)?</th><td>2</td><td>€7,300.00</td>", per_field)
    assert "Kiezkino" not in re.search(
        r'<table class="report-projects">.*?</table>', html, re.S
    ).group(0)
    assert 'class="transparency-nav no-print"' in html  # navigation hidden in print


def test_report_redirects_to_this_year_and_refuses_silly_years(client, area):
    response = client.get(f"/{area.slug}/report")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/{area.slug}/report/{transparency.current_year(area)}"
    )
    assert client.get(f"/{area.slug}/report/1999").status_code == 404
    assert client.get(f"/{area.slug}/report/99999999999999999999").status_code == 404
