"""A transfer approved for a project of a closed year stands on exactly one bank list, also
across New Year, and is booked in the year whose list shows it (DESIGN.md §5: a closed year's
projects are paid from the fund's running open year, services.ledger.running_year)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import FundYear, LedgerEntry, PaymentRequest
from juryfund.services import books, payments, setup
from tests.fixtures import ask_payment, colleague_of

pytestmark = pytest.mark.ledger


def _year(fund, year: int) -> FundYear | None:
    return db.session.scalar(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == year)
    )


def _lists(area, fund) -> dict[int, list[str]]:
    """The references on the bank list of each of the fund's years that lists any."""
    years = db.session.scalars(select(FundYear).where(FundYear.fund_id == fund.id)).all()
    listed = {
        fy.year: [row.reference for row in payments.payment_list(area.id, fy.id)] for fy in years
    }
    return {year: refs for year, refs in listed.items() if refs}


def _approve_advance(approved, area, staff) -> PaymentRequest:
    """400 € of "Pflanzaktion" entered by a colleague and approved by `staff`: a reimbursement,
    as the action has ended by the new year (an advance is refused then)."""
    request = ask_payment(approved, colleague_of(approved), 40000, kind="reimbursement")
    payments.approve(request, actor=staff.actor)
    db.session.commit()
    return request


@pytest.fixture
def closed_last_year(area, fund, staff, clock_at):
    """ "Pflanzaktion"'s year Y closed on 5 January Y+1; returns Y."""
    year = clock.area_today(area).year
    clock_at(datetime(year + 1, 1, 5, 12, tzinfo=UTC))
    books.close_year(_year(fund, year), actor=staff.actor)
    db.session.commit()
    return year


def test_an_approved_transfer_of_a_closed_years_project_stays_on_a_bank_list_at_new_year(
    approved, area, fund, staff, clock_at, closed_last_year
):
    """Year Y closed on 5 January Y+1 and Y+1 is opened. On 20 December Y+1 staff approve the
    400 € advance: it stands on the list of Y+1 (today's year). At 00:30 on 1 January Y+2 in
    Berlin it is still unpaid and Y+2 has no fund year yet: it stays on the list of Y+1, whose
    books still run, and paying it then books it there."""
    year = closed_last_year
    setup.open_fund_year(fund, year=year + 1, allocation_cents=100_000, actor=staff.actor)
    db.session.commit()
    clock_at(datetime(year + 1, 12, 20, 12, tzinfo=UTC))
    request = _approve_advance(approved, area, staff)
    assert _lists(area, fund) == {year + 1: [approved.reference]}

    clock_at(datetime(year + 1, 12, 31, 23, 30, tzinfo=UTC))  # 1 January Y+2, 00:30 in Berlin
    assert _lists(area, fund) == {year + 1: [approved.reference]}

    entry = payments.mark_paid(db.session.get(PaymentRequest, request.id), actor=staff.actor)
    db.session.commit()
    assert db.session.get(FundYear, entry.fund_year_id).year == year + 1
    assert _year(fund, year + 2) is None
    assert _lists(area, fund) == {}


def test_the_list_moves_with_the_booking_when_todays_budget_is_opened(
    approved, area, fund, staff, clock_at, closed_last_year
):
    """Once the new year is opened its list takes the transfer, and its payment is booked in
    that year: the list and the books never name different years."""
    year = closed_last_year
    setup.open_fund_year(fund, year=year + 1, allocation_cents=100_000, actor=staff.actor)
    db.session.commit()
    clock_at(datetime(year + 1, 12, 20, 12, tzinfo=UTC))
    request = _approve_advance(approved, area, staff)
    clock_at(datetime(year + 2, 1, 8, 12, tzinfo=UTC))
    setup.open_fund_year(fund, year=year + 2, allocation_cents=100_000, actor=staff.actor)
    db.session.commit()
    assert _lists(area, fund) == {year + 2: [approved.reference]}

    entry = payments.mark_paid(db.session.get(PaymentRequest, request.id), actor=staff.actor)
    db.session.commit()
    assert db.session.get(FundYear, entry.fund_year_id).year == year + 2


def test_a_transfer_approved_after_the_close_before_the_new_budget_is_listed(
    approved, area, fund, staff, closed_last_year
):
    """Year Y closed on 5 January with nothing waiting, Y+1 not opened: approving the advance
    makes Y+1 (without money), whose list then shows it."""
    assert _year(fund, closed_last_year + 1) is None
    _approve_advance(approved, area, staff)
    assert _lists(area, fund) == {closed_last_year + 1: [approved.reference]}


def test_a_transfer_waiting_through_two_closes_is_listed_in_the_year_after(
    approved, area, fund, staff, clock_at, closed_last_year
):
    """Approved while Y+1 runs, still unpaid when Y+1 closes in January Y+2 before Y+2 is
    opened: the close makes Y+2, whose list shows it."""
    year = closed_last_year
    setup.open_fund_year(fund, year=year + 1, allocation_cents=100_000, actor=staff.actor)
    db.session.commit()
    _approve_advance(approved, area, staff)
    clock_at(datetime(year + 2, 1, 6, 12, tzinfo=UTC))
    books.close_year(_year(fund, year + 1), actor=staff.actor)
    db.session.commit()
    assert _lists(area, fund) == {year + 2: [approved.reference]}
    payments.mark_paid(db.session.scalars(select(PaymentRequest)).one(), actor=staff.actor)
    db.session.commit()
    paid_in = db.session.scalar(
        select(FundYear.year)
        .join(LedgerEntry, LedgerEntry.fund_year_id == FundYear.id)
        .where(LedgerEntry.kind == "payment")
    )
    assert paid_in == year + 2
