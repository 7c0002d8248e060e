"""A fund year closes only once its funding period is over (books.may_close), in the area's
time zone: a period of 1 July 2026 to 30 June 2027 keeps the 2026 year open, unoffered on the
dashboard and refused, until 1 July 2027; a calendar year closes from 1 January on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import FundYear
from juryfund.services import books, ledger
from tests.office_steps import DE, post

pytestmark = pytest.mark.ledger


def _open_period_year(client, fund) -> FundYear:
    """Open the fund's 2026 year with a funding period of 1 July 2026 to 30 June 2027."""
    form = f"/staff/funds/{fund.id}/years/new"
    opened = post(
        client,
        form,
        {
            "year": "2026",
            "allocation": "10.000,00",
            "period_start": "2026-07-01",
            "period_end": "2027-06-30",
        },
        form,
    )
    assert opened.status_code == 302
    return db.session.scalars(select(FundYear)).one()


def test_year_with_running_funding_period_is_not_offered_for_closing_nor_closed(
    client, login, staff, area, jury, make, clock_at
):
    fund = make.fund(area, jury, allocation_cents=0)
    login(staff)
    clock_at(datetime(2026, 6, 10, 12, tzinfo=UTC))
    year = _open_period_year(client, fund)

    clock_at(datetime(2027, 1, 10, 12, tzinfo=UTC))  # mid-period
    dashboard = client.get("/staff/", headers=DE).get_data(as_text=True)
    assert f"/staff/fund-years/{year.id}" not in dashboard, (
        "the dashboard asks to close a year whose funding period runs until 30 June 2027"
    )
    page = f"/staff/fund-years/{year.id}"
    refused = post(client, f"{page}/close", {"close-confirm": "y"}, page)
    assert "30.06.2027" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FundYear, year.id).closed_at is None
    assert ledger.balances_of(year.id).lapsed == 0


def test_year_closes_once_its_funding_period_is_over_in_the_areas_time_zone(
    client, login, staff, area, jury, make, clock_at
):
    fund = make.fund(area, jury, allocation_cents=0)
    login(staff)
    clock_at(datetime(2026, 6, 10, 12, tzinfo=UTC))
    year = _open_period_year(client, fund)
    page = f"/staff/fund-years/{year.id}"

    clock_at(datetime(2027, 6, 30, 12, tzinfo=UTC))  # the period's last day
    html = client.get(page, headers=DE).get_data(as_text=True)
    assert f'action="{page}/close"' not in html
    assert "30.06.2027" in html  # when it can be closed

    # 23:30 UTC is already 1 July in Berlin: the period is over there.
    clock_at(datetime(2027, 6, 30, 22, 30, tzinfo=UTC))
    assert page in client.get("/staff/", headers=DE).get_data(as_text=True)
    assert f'action="{page}/close"' in client.get(page, headers=DE).get_data(as_text=True)
    assert post(client, f"{page}/close", {"close-confirm": "y"}, page).status_code == 302
    db.session.expire_all()
    assert db.session.get(FundYear, year.id).closed_at is not None
    assert ledger.balances_of(year.id).lapsed == 1_000_000


@pytest.mark.parametrize(
    ("period_end", "today", "over"),
    [
        (None, date(2026, 12, 31), False),
        (None, date(2027, 1, 1), True),
        (date(2027, 6, 30), date(2027, 6, 30), False),
        (date(2027, 6, 30), date(2027, 7, 1), True),
        # A period ending early still waits for the calendar year: the running calendar year
        # takes a closed year's money (ledger.running_year).
        (date(2026, 11, 30), date(2026, 12, 1), False),
        (date(2026, 11, 30), date(2027, 1, 1), True),
    ],
)
def test_a_year_may_close_after_its_period_and_calendar_year(fund, period_end, today, over):
    year = db.session.scalars(select(FundYear)).one()
    year.year, year.period_end = 2026, period_end
    assert books.may_close(year, today) is over
    assert (db.session.scalar(select(FundYear.id).where(books.closable(today))) is not None) is over
