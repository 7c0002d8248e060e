"""A refund of money paid out of the running year nets that year's "paid" (DESIGN.md §5).

Once a commitment's year is closed, its project is paid from the fund's open year. When such
money comes back, the open year books it as a refund (its paid is payments less refunds, as its
payments download and the bank account read) beside a return of the commitment from the closed
year; only money the closed year itself paid comes back as a return of a refund. Found by the
district's auditor.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.services import books, exports, ledger, setup
from tests.ledger.new_year import fund_year, january  # noqa: F401

pytestmark = pytest.mark.ledger


def test_paid_of_the_new_year_nets_a_refund_of_money_paid_from_it(approved, january, fund, staff):
    """Last year closed; in January 300 € of last year's project are paid from the new year and
    100 € of them come back in January. The new year's "paid" (budget page, API, staff page)
    is 200 €, the same as its payments download (paid out − paid back) and the bank account;
    the same cash flow of a project of the new year's own reads 200 € too."""
    this = january
    books.close_year(this, actor=staff.actor)
    following = setup.open_fund_year(
        fund, year=this.year + 1, allocation_cents=1_000_000, actor=staff.actor
    )
    db.session.commit()
    books.record_payment(
        approved, amount_cents=30000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    books.record_refund(approved, amount_cents=10000, note="zurück", actor=staff.actor)
    db.session.commit()

    rows = list(exports.iter_payments(following))
    net_cash = sum(r["paid_out_cents"] - r["paid_back_cents"] for r in rows)
    assert net_cash == 20000
    assert ledger.balances_of(following.id).paid == net_cash


def test_a_refund_books_a_refund_and_a_return_of_the_commitment_in_the_new_year(
    approved, january, fund, staff
):
    """The new year holds the refund (its cash) and a return of the commitment that leaves the
    closed year; the project's account reads the same as before: 300 committed, 200 paid."""
    this = january
    books.close_year(this, actor=staff.actor)
    following = setup.open_fund_year(
        fund, year=this.year + 1, allocation_cents=1_000_000, actor=staff.actor
    )
    books.record_payment(
        approved, amount_cents=30000, payment_type="advance", note="", actor=staff.actor
    )
    books.record_refund(approved, amount_cents=10000, note="zurück", actor=staff.actor)
    db.session.commit()

    booked = [(e.kind, e.amount_cents, e.origin) for e in reversed(ledger.entries_of(following.id))]
    assert booked[-3:] == [
        ("refund", 10000, None),
        ("return", 10000, "release"),
        ("lapse", 10000, None),
    ]
    account = ledger.account_of(approved.id)
    assert (account.committed, account.paid) == (30000, 20000)
    assert ledger.balances_of(this.id).paid == 0


def test_a_refund_of_money_the_closed_year_paid_comes_back_as_a_return(
    approved, fund, staff, clock_at
):
    """Money paid while its year was open and paid back after it closed is no cash of the new
    year's payments: it comes back as a return of a refund, and the new year's paid stays 0."""
    this = fund_year(fund, clock.area_today(fund.area).year)
    books.record_payment(
        approved, amount_cents=30000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    clock_at(datetime(this.year + 1, 1, 10, 12, tzinfo=UTC))
    books.close_year(this, actor=staff.actor)
    following = setup.open_fund_year(
        fund, year=this.year + 1, allocation_cents=1_000_000, actor=staff.actor
    )
    books.record_refund(approved, amount_cents=10000, note="zurück", actor=staff.actor)
    db.session.commit()

    kinds = [(e.kind, e.origin) for e in ledger.entries_of(following.id)]
    assert ("return", "refund") in kinds
    assert ("refund", None) not in kinds
    assert ledger.balances_of(following.id).paid == 0
    assert ledger.account_of(approved.id).paid == 20000
