"""The staff pages that show money: the round and confirm pages, a fund year's books, a project's
account and the area's balances per year.

They show the figures the next booking is checked against: the money of the year an approval
is booked in (decisions.fund_year_for_decision), the approved amount in force after a
correction, bookings dated in the area's time zone like the downloads of the same books, and
money that came back from a closed year.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import FundYear
from juryfund.services import books, ledger, setup
from tests.factories import ApplicationFactory
from tests.fixtures import approved_round, cut

pytestmark = pytest.mark.ledger


def _year(fund, year: int) -> FundYear:
    return db.session.scalar(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == year)
    )


def _en(client, url: str) -> str:
    return client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)


def _available(html: str) -> dict[str, str]:
    return dict(re.findall(r"<dt>Available: ([^<]+)</dt><dd>([^<]+)</dd>", html))


@pytest.fixture
def decided_in_december(area, fund, jury, staff, clock_at):
    """The jury approves "Winterfest" (500 €) in a round closed on 20 December, when the year
    has only 300 € left (a budget cut); on 10 January the new year is opened (10,000 €) with
    the old one still open. Returns the round and the old year."""
    this = _year(fund, clock.area_today(area).year)
    books.record_adjustment(
        this, amount_cents=-970_000, reason="Kürzung durch den Senat", actor=staff.actor
    )
    db.session.commit()
    clock_at(datetime(this.year, 12, 20, 17, tzinfo=UTC))
    application = ApplicationFactory(
        area=area, fund=fund, title="Winterfest", requested_cents=50000
    )
    round_ = approved_round(jury, staff, [application])
    clock_at(datetime(this.year + 1, 1, 10, 12, tzinfo=UTC))
    setup.open_fund_year(fund, year=this.year + 1, allocation_cents=1_000_000, actor=staff.actor)
    db.session.commit()
    return round_, this


def test_confirm_page_in_january_shows_the_money_of_the_year_the_approval_is_booked_in(
    client, login, staff, decided_in_december
):
    """Auditor B: the confirm page showed today's year ("Available: Aktionsfonds <new year>:
    €10,000.00"), while confirm_approval books the commitment in the year the body decided
    (decisions.fund_year_for_decision): staff saw ample money, typed 500 € and were refused
    with "only 300 € available". The page shows the year the confirmation books into, and
    its sentence names that year; the round page shows the same."""
    round_, this = decided_in_december
    login(staff)
    html = _en(client, f"/staff/rounds/{round_.id}/items/{round_.agenda[0].id}/confirm")
    assert _available(html) == {f"Aktionsfonds {this.year}": "€300.00"}
    assert f"The amount is committed in the books of {this.year} at once." in html
    assert _available(_en(client, f"/staff/rounds/{round_.id}")) == {
        f"Aktionsfonds {this.year}": "€300.00"
    }


def test_confirm_page_shows_today_s_year_once_the_year_of_the_decision_closed(
    client, login, staff, decided_in_december
):
    """When the year the body decided in is closed, the approval goes to today's open year
    (its figures are final), and so do the page's figures."""
    round_, this = decided_in_december
    books.close_year(this, actor=staff.actor)
    db.session.commit()
    login(staff)
    html = _en(client, f"/staff/rounds/{round_.id}/items/{round_.agenda[0].id}/confirm")
    assert _available(html) == {f"Aktionsfonds {this.year + 1}": "€10,000.00"}
    assert f"The amount is committed in the books of {this.year + 1} at once." in html


def test_books_page_dates_a_new_year_s_eve_payment_like_the_export(
    client, login, approved, area, staff, clock_at
):
    """Auditor B: an area in New York time pays an advance on 31 December at 22:00 local time
    (03:00 UTC on 1 January). The download dates it 31 December (the area's day), but the
    fund-year page showed 01.01. of the next year: that view never set g.area, so `when`
    formatted in the installation's zone (DESIGN.md §7: times in the area's time zone). The
    money page of the project dates it alike."""
    area.timezone = "America/New_York"
    db.session.commit()
    fund_year = ledger.fund_year_of(approved)
    year = fund_year.year
    clock_at(datetime(year + 1, 1, 1, 3, 0, tzinfo=UTC))  # 31 Dec, 22:00 in New York
    books.record_payment(
        approved, amount_cents=10000, payment_type="advance", note="Silvester", actor=staff.actor
    )
    db.session.commit()

    login(staff)
    body = client.get(f"/staff/fund-years/{fund_year.id}/bookings.csv").get_data()
    heading, *rows = csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
    exported = [dict(zip(heading, row, strict=True)) for row in rows]
    assert any(f"31.12.{year}" in " ".join(r.values()) for r in exported)  # export: area's day

    html = client.get(
        f"/staff/fund-years/{fund_year.id}", headers={"Accept-Language": "de"}
    ).get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if "Silvester" in r)
    assert f"31.12.{str(year)[2:]}" in row, row


def test_money_page_shows_the_corrected_approved_amount(client, login, approved, staff):
    """Auditor B: 400 € approved, then corrected to 300 € (the books release 100 €). The
    decision in force, the letter, the open data and the report say 300 €; the money page said
    "Approved €400.00" (the sum of the commitments) and hid the cut in "Released". It shows the
    amount in force, and released what of it is no longer held: approved − released − paid =
    still open."""
    cut(approved, 30000, staff)
    books.record_payment(
        approved, amount_cents=10000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    login(staff)
    html = _en(client, f"/staff/applications/{approved.id}/money")
    facts = re.search(r'<dl class="facts balances">.*?</dl>', html, re.S).group(0)
    shown = dict(re.findall(r"<dt>([^<]+)</dt><dd>(?:<strong>)?([^<]+)", facts))
    assert shown["Approved"] == "€300.00", facts
    assert shown["Released"] == "€0.00"
    assert shown["Paid"] == "€100.00"
    assert shown["Still open for payment"] == "€200.00"


def test_money_page_releases_what_a_cancellation_gives_back(client, login, approved, staff):
    """A cancelled project keeps its approved amount; what was not paid is released."""
    books.record_payment(
        approved, amount_cents=10000, payment_type="advance", note="", actor=staff.actor
    )
    books.cancel(approved, reason="Abgesagt", actor=staff.actor)
    db.session.commit()
    login(staff)
    html = _en(client, f"/staff/applications/{approved.id}/money")
    facts = re.search(r'<dl class="facts balances">.*?</dl>', html, re.S).group(0)
    shown = dict(re.findall(r"<dt>([^<]+)</dt><dd>(?:<strong>)?([^<]+)", facts))
    assert (shown["Approved"], shown["Released"], shown["Paid"]) == (
        "€400.00",
        "€300.00",
        "€100.00",
    )
    assert shown["Still open for payment"] == "€0.00"


def test_area_page_of_staff_shows_money_returned_from_a_closed_year(
    client, login, approved, area, fund, staff, clock_at
):
    """The area's balances per year get a column for money that came back from a closed
    year (and an open year's lapsed part of it), so that each row adds up."""
    this = _year(fund, clock.area_today(area).year)
    clock_at(datetime(this.year + 1, 1, 10, 12, tzinfo=UTC))
    following = setup.open_fund_year(
        fund, year=this.year + 1, allocation_cents=1_000_000, actor=staff.actor
    )
    books.close_year(this, actor=staff.actor)
    cut(approved, 30000, staff)
    login(staff)
    html = _en(client, f"/staff/areas/{area.id}")
    assert '<th scope="col">Returned from closed years</th>' in html
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if f">{following.year}<" in r)
    assert '<td data-series="returned">€100.00</td>' in row
    assert "Lapsed: €100.00" in row  # the fund does not carry over: the return lapsed
