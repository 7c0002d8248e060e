"""Public figures of a fund year that money of another year touched (DESIGN.md §5).

Money of a closed year's project that comes back later is booked in the open year as a return
(kept when the fund carries over, lapsing at once otherwise): every public table, chart and
widget then shows it, so that allocated + returned − committed − lapsed or carried = available.
A closed year's figures are final and show no "available", in the API's totals and the admins'
city overview too. A year the books made only to hold a closed year's payment has no budget,
and reads like no year yet.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import FundYear
from juryfund.services import books, ledger, rounds, setup
from tests.fixtures import cut
from tests.voting.conftest import ballot_links

from .conftest import Spec, ready_application

pytestmark = pytest.mark.transparency


def _year(fund, year: int) -> FundYear:
    return db.session.scalar(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == year)
    )


def _cents(text: str) -> int:
    """ "€10,100.00" -> 1010000."""
    return int(re.sub(r"[^0-9]", "", text))


def _en(client, url: str) -> str:
    return client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)


@pytest.fixture
def cut_in_january(approved, area, fund, staff, clock_at):
    """cut_in_january(carry_over) -> (closed year, new year): 400 € approved this year; on
    10 January the new year is opened (10,000 €), this one closed, and the approval cut to
    300 €: 100 € come back into the new year as a return, kept or lapsing at once."""

    def run(carry_over: bool) -> tuple[FundYear, FundYear]:
        fund.carry_over = carry_over
        db.session.commit()
        this = _year(fund, clock.area_today(area).year)
        clock_at(datetime(this.year + 1, 1, 10, 12, tzinfo=UTC))
        following = setup.open_fund_year(
            fund, year=this.year + 1, allocation_cents=1_000_000, actor=staff.actor
        )
        books.close_year(this, actor=staff.actor)
        cut(approved, 30000, staff)
        return this, following

    return run


@pytest.fixture
def closed_last_year(approved, area, fund, staff, clock_at):
    """On 10 January the new year is opened (10,000 €) and last year, with 400 € approved of
    10,000 €, closed (9,600 € lapse); returns last year."""
    this = _year(fund, clock.area_today(area).year)
    clock_at(datetime(this.year + 1, 1, 10, 12, tzinfo=UTC))
    setup.open_fund_year(fund, year=this.year + 1, allocation_cents=1_000_000, actor=staff.actor)
    books.close_year(this, actor=staff.actor)
    db.session.commit()
    return this


# --- money that came back from a closed year ---------------------------------------------------


@pytest.mark.parametrize("carry_over", [True, False])
def test_public_budget_of_the_new_year_adds_up_after_a_return_from_the_closed_year(
    client, area, cut_in_january, carry_over
):
    """Auditor B: the budget page of the new year showed allocated / committed / paid /
    available / lapsed but not what came back, so 100 € were unexplained (with carry-over
    "available 10,100 €" of 10,000 € allocated and nothing committed; without, 100 € "lapsed"
    of an untouched allocation). The return is its own series now, and the row adds up."""
    _this, following = cut_in_january(carry_over)
    books_figures = ledger.balances_of(following.id)
    assert books_figures.returned == 10000  # the ledger holds the return

    html = _en(client, f"/{area.slug}/budget?year={following.year}")
    table = re.search(r'<table class="numbers budget-table">.*?</table>', html, re.S).group(0)
    row = re.search(r"<tbody>.*?</tbody>", table, re.S).group(0)
    shown = {
        key: _cents(value)
        for key, value in re.findall(r'<td data-series="(\w+)">([^<]*)</td>', row)
        if re.search(r"\d", value)
    }
    assert shown["returned"] == 10000
    assert shown["available"] == books_figures.available
    assert (
        shown["allocated"]
        + shown["returned"]
        - shown["committed"]
        - shown.get("lapsed_or_carried", 0)
        == shown["available"]
    ), f"published figures do not add up: {shown}"
    assert "Returned from closed years" in table  # the column's heading
    assert 'data-series="returned"' in re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "<dt>Returned from closed years</dt>" in html  # and what it means


def test_budget_page_without_returns_has_no_returned_column(client, area, approved):
    """The series is shown where something came back: an ordinary year's table and chart
    stay as they were."""
    html = _en(client, f"/{area.slug}/budget")
    assert 'data-series="returned"' not in html
    assert "Returned from closed years" not in html
    assert 'id="pattern-returned"' not in html


def test_annual_and_city_reports_show_the_return(client, area, cut_in_january):
    """The annual report's and the city report's money tables and charts name the return,
    in the row and the total."""
    _this, following = cut_in_january(True)
    for url in (f"/{area.slug}/report/{following.year}", f"/report/{following.year}"):
        html = _en(client, url)
        assert '<td data-series="returned">€100.00</td>' in html, url
        assert "Returned from closed years" in html, url
        svg = re.search(r'<svg class="budget-chart".*?</svg>', html, re.S).group(0)
        assert 'data-series="returned"' in svg and "-returned" in svg, url


def test_widget_and_easy_page_name_the_return(client, area, cut_in_january):
    """The money widget adds what came back and what of it lapsed under the fund's figure;
    the easy page says it in a sentence of its own."""
    _this, _following = cut_in_january(False)
    widget = _en(client, f"/{area.slug}/widgets/money")
    assert "Returned from closed years: €100.00" in widget
    assert "Lapsed or carried over: €100.00" in widget
    assert "€10,000.00" in widget  # still available: the return lapsed
    easy = _en(client, f"/{area.slug}/easy")
    assert "100 euros came back from projects of earlier years." in easy
    assert "The fund had to give back 100 euros of this money." in easy


# --- a year without a budget -------------------------------------------------------------------


@pytest.fixture
def paid_in_january(approved, area, fund, staff, clock_at):
    """Last year closed on 5 January, the new year's budget not set yet; then the 400 € advance
    of last year's project is paid: the books make the new year's row, without an allocation,
    to book it in (ledger.current_fund_year)."""
    this = _year(fund, clock.area_today(area).year)
    clock_at(datetime(this.year + 1, 1, 5, 12, tzinfo=UTC))
    books.close_year(this, actor=staff.actor)
    db.session.commit()
    books.record_payment(
        approved, amount_cents=40000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    following = _year(fund, this.year + 1)
    assert following is not None and not ledger.has_allocation(following.id)
    return following


def test_area_page_says_no_budget_yet_for_a_year_made_only_by_a_january_payment(
    client, area, paid_in_january
):
    """Auditor B: from the payment on, the area page told residents "Still available in <new
    year>: €0.00", as if the year's money were used up, although no budget was ever set."""
    html = _en(client, f"/{area.slug}/")
    shown = re.search(r"Still available in \d+</dt>\s*<dd>([^<]*)</dd>", html).group(1)
    assert shown == "No budget set for this year yet", shown


def test_easy_page_widget_and_ballot_read_a_year_without_budget_like_no_year(
    app, client, area, fund, jury, staff, paid_in_january
):
    """The easy page does not say "the fund has 0 euros", the widget names no fund with
    "€0.00 of €0.00", and the ballot leaves the fund out of the money still available (as
    before the year existed)."""
    easy = _en(client, f"/{area.slug}/easy")
    assert f"We do not know yet how much money the fund has in {paid_in_january.year}." in easy
    widget = _en(client, f"/{area.slug}/widgets/money")
    assert "No budget set for this year yet" in widget and "€0.00" not in widget

    round_ = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf Januar",
        when=clock.now() + timedelta(days=7),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [ready_application(area, fund, Spec("Neujahrsputz")).id])
    rounds.open_round(round_, actor=staff.actor)
    db.session.commit()
    member = app.test_client()
    assert member.get(ballot_links()[jury.members[0].email]).status_code == 302
    ballot = _en(member, f"/ballot/{round_.id}")
    assert "Neujahrsputz" in ballot and "Money still available this year" not in ballot


def test_a_year_carried_into_before_its_allocation_shows_the_carried_money(
    client, approved, area, fund, staff, clock_at
):
    """A year made by a carry-over at the close has money to spend before its allocation is
    booked: the area page shows it, not "no budget set"."""
    fund.carry_over = True
    db.session.commit()
    this = _year(fund, clock.area_today(area).year)
    clock_at(datetime(this.year + 1, 1, 5, 12, tzinfo=UTC))
    books.close_year(this, actor=staff.actor)
    db.session.commit()
    html = _en(client, f"/{area.slug}/")
    assert "€9,600.00" in html and "No budget set for this year yet" not in html


# --- a closed year's figures are final ----------------------------------------------------------


def test_city_overview_shows_a_closed_year_without_available(client, login, make, closed_last_year):
    """Auditor B: the admins' city overview printed every series for every line, so a closed
    year read "Available €0.00" beside "Lapsed or carried over €9,600.00" (DESIGN.md §5); it
    follows display.shows like the budget page now, its subtotal too."""
    login(make.admin())
    html = _en(client, f"/staff/overview?year={closed_last_year.year}")
    block = re.search(r'<tbody class="overview-area".*?</tbody>', html, re.S).group(0)
    fund_row, subtotal = re.findall(r"<tr.*?</tr>", block, re.S)
    assert 'data-series="lapsed_or_carried">€9,600.00' in fund_row
    assert 'data-series="available">€' not in fund_row, fund_row
    assert 'data-series="available">€' not in subtotal, subtotal


def test_city_overview_spans_every_column_for_a_fund_without_budget(client, login, make, area):
    """A fund with no budget this year and an area with no fund span all the money columns."""
    make.fund(area, make.body(area, members=3), allocation_cents=0)
    make.area(name="Ohne Fonds", slug="ohne-fonds", code="OHN")
    login(make.admin())
    html = _en(client, "/staff/overview")
    columns = len(re.findall(r'<th scope="col"', html.split("</thead>")[0])) - 2
    assert f'<td colspan="{columns}" class="text muted">No budget set for this year</td>' in html
    assert f'colspan="{columns + 1}">This area has no fund.</td>' in html


def test_api_totals_of_a_closed_year_have_no_available(client, area, closed_last_year):
    """Auditor B: every fund line of a closed year said "available_cents": null, but the
    totals beside them said 0, as if the closed year had "0 € left"."""
    data = client.get(f"/api/v1/areas/{area.slug}/budget?year={closed_last_year.year}").get_json()
    assert [line["available_cents"] for line in data["funds"]] == [None]
    assert data["totals"]["available_cents"] is None, data["totals"]
    assert data["totals"]["lapsed_cents"] == 960_000
    now = client.get(f"/api/v1/areas/{area.slug}/budget").get_json()
    assert now["totals"]["available_cents"] == 1_000_000  # the open year's totals keep it
