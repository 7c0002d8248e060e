"""A cut of a fund year never leaves its allocated (allocation + adjustments + carry-in) below zero.

Money returned from a closed year's projects counts as available, but it is not the year's own
budget: cutting it would show a negative "Allocated". domain.budget.check_booking refuses such a
cut with ``booking.allocated_below_zero``. Found by the district's auditor.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.services import books, ledger
from tests.ledger.new_year import fund_year, january  # noqa: F401

pytestmark = pytest.mark.ledger


def test_cutting_a_year_holding_returned_money_never_makes_its_allocation_negative(
    approved, january, fund, staff
):
    """A fund that carries over: last year closed (9,600 € carried in), then the 400 € project
    of last year is cancelled in January and its money comes back into the new year, which has
    no allocation yet. Staff cut the year by what is available. The year's "allocated" (budget
    page, API: "allocation + adjustments + carried in") never goes below zero: the cut is
    refused, or it leaves allocated at 0 or more."""
    this = january
    fund.carry_over = True
    books.close_year(this, actor=staff.actor)
    db.session.commit()
    books.cancel(approved, reason="Aktion fällt aus", actor=staff.actor)
    db.session.commit()
    following = fund_year(fund, this.year + 1)
    before = ledger.balances_of(following.id)
    assert (before.allocated, before.returned, before.available) == (960000, 40000, 1_000_000)

    try:
        books.record_adjustment(
            following,
            amount_cents=-before.available,
            reason="Mittel gekürzt",
            actor=staff.actor,
        )
        db.session.commit()
    except DomainError:
        db.session.rollback()
    assert ledger.balances_of(following.id).allocated >= 0


def test_the_database_refuses_a_cut_below_the_year_s_own_money(approved, january, fund, staff):
    """The same rule in the database (trigger ledger_entry_keeps_allocated): a cut written past
    the services, in a year whose available money is mostly returned money, is refused; a cut
    down to exactly zero own money is taken."""
    this = january
    fund.carry_over = True
    books.close_year(this, actor=staff.actor)
    db.session.commit()
    books.cancel(approved, reason="Aktion fällt aus", actor=staff.actor)
    db.session.commit()
    following = fund_year(fund, this.year + 1)
    own = ledger.balances_of(following.id).allocated
    insert = text(
        "INSERT INTO ledger_entry (fund_year_id, kind, amount_cents, note, at) "
        "VALUES (:fy, 'adjustment', :cents, 'Kürzung', CURRENT_TIMESTAMP)"
    )
    with pytest.raises(DatabaseError, match="below zero"):
        db.session.execute(insert, {"fy": following.id, "cents": -(own + 1)})
    db.session.rollback()
    db.session.execute(insert, {"fy": following.id, "cents": -own})
    db.session.commit()
    assert ledger.balances_of(following.id).allocated == 0
