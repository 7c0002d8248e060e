"""The database backs the books' invariants (DESIGN.md §5), not only services.ledger.book.

A booking that skips the service (a script, a console, a bug that forgets the lock and the
check) is refused by a trigger of models.guards when it would leave the fund year with less than
nothing available, or an application with more released than committed, more paid than still
committed, or less than nothing paid. Every booking here is a direct insert; the `approved`
fixture leaves 9,600 € available in the year (10,000 € allocated, 400 € committed to
"Pflanzaktion", nothing paid).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy.exc import IntegrityError

from juryfund.extensions import db
from juryfund.models import LedgerEntry
from juryfund.services import ledger
from tests.races import race

pytestmark = pytest.mark.ledger

AVAILABLE = 960_000
COMMITTED = 40_000


def _insert(fund_year_id: int, kind: str, amount_cents: int, application_id=None, **fields):
    """Write one ledger entry straight into the table, past every check of the services."""
    if kind == "payment":
        fields.setdefault("payment_type", "advance")
    db.session.add(
        LedgerEntry(
            fund_year_id=fund_year_id,
            kind=kind,
            amount_cents=amount_cents,
            application_id=application_id,
            note=fields.pop("note", "ohne Prüfung"),
            **fields,
        )
    )
    db.session.flush()


def _refused(fund_year_id: int, kind: str, amount_cents: int, application_id=None, **fields):
    """The insert is refused by the database, and leaves nothing behind."""
    with pytest.raises(IntegrityError, match="juryfund: a booking never"):
        _insert(fund_year_id, kind, amount_cents, application_id, **fields)
    db.session.rollback()


# --- the fund year: available >= 0 ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["commitment", "lapse", "carry_out", "adjustment"])
def test_nothing_takes_more_out_of_a_year_than_is_available(approved, fund, kind):
    """A commitment, lapse, carry-out or cut one cent above what is available is refused; the
    same booking of exactly what is available lands and leaves the year at zero."""
    fund_year_id = fund.years[0].id
    application_id = approved.id if kind == "commitment" else None
    amount = -(AVAILABLE + 1) if kind == "adjustment" else AVAILABLE + 1
    _refused(fund_year_id, kind, amount, application_id)
    assert ledger.balances_of(fund_year_id).available == AVAILABLE

    _insert(fund_year_id, kind, amount + (1 if amount < 0 else -1), application_id)
    db.session.commit()
    assert ledger.balances_of(fund_year_id).available == 0


def test_money_coming_in_is_never_checked_against_what_is_available(approved, fund):
    """Money that comes into a year with nothing left (a raise, a release) lands; money that
    only moves cash (a payment) neither adds nor takes what is available."""
    fund_year_id = fund.years[0].id
    _insert(fund_year_id, "commitment", AVAILABLE, approved.id)
    db.session.commit()
    _refused(fund_year_id, "adjustment", -1, note="Kürzung")
    _insert(fund_year_id, "payment", 10_000, approved.id)
    _insert(fund_year_id, "release", 5_000, approved.id)
    _insert(fund_year_id, "adjustment", 1, note="Nachbewilligung")
    db.session.commit()
    assert ledger.balances_of(fund_year_id).available == 5_001


# --- the application: released <= commitment, 0 <= paid <= committed ---------------------------


@pytest.mark.parametrize(
    ("paid_first", "kind", "amount", "origin"),
    [
        (0, "payment", COMMITTED + 1, None),  # paid > committed
        (COMMITTED, "payment", 1, None),
        (0, "release", COMMITTED + 1, None),  # released > commitment
        (30_000, "release", 10_001, None),  # releasing money already paid out: paid > committed
        (0, "refund", 1, None),  # paid < 0
        (10_000, "refund", 10_001, None),
        (10_000, "return", 10_001, "refund"),  # a refund after the year closed: paid < 0
        (30_000, "return", 10_001, "release"),  # unspent money after the year closed
    ],
)
def test_an_application_never_gets_more_than_is_committed_to_it(
    approved, fund, paid_first, kind, amount, origin
):
    """Each booking one cent beyond what the application's account allows is refused."""
    fund_year_id = fund.years[0].id
    if paid_first:
        _insert(fund_year_id, "payment", paid_first, approved.id)
        db.session.commit()
    _refused(fund_year_id, kind, amount, approved.id, origin=origin)
    account = ledger.account_of(approved.id)
    assert (account.commitment, account.released, account.paid) == (COMMITTED, 0, paid_first)


def test_the_account_spans_every_year_of_the_application(approved, fund):
    """Money released in a later year (a return after the year closed) counts against the
    commitment of the first: nothing more can be released or paid, in either year."""
    following = ledger.year_of_fund(fund.id, fund.years[0].year + 1)
    _insert(following.id, "allocation", 100_000)
    _insert(following.id, "return", COMMITTED, approved.id, origin="release")
    db.session.commit()
    _refused(fund.years[0].id, "release", 1, approved.id)
    _refused(following.id, "payment", 1, approved.id)


def test_a_legal_sequence_of_bookings_lands(approved, fund):
    """Allocation, commitment, payment, refund and release, each up to its limit: all land."""
    following = ledger.year_of_fund(fund.id, fund.years[0].year + 1)
    _insert(following.id, "allocation", 100_000)
    _insert(following.id, "commitment", 100_000, approved.id)  # available exactly 0
    _insert(following.id, "payment", COMMITTED + 100_000, approved.id)  # paid = committed
    _insert(following.id, "refund", 30_000, approved.id)
    _insert(following.id, "release", 30_000, approved.id)  # paid = committed again
    db.session.commit()
    account = ledger.account_of(approved.id)
    assert (account.commitment, account.released, account.paid) == (140_000, 30_000, 110_000)
    assert account.open == 0
    balances = ledger.balances_of(following.id)
    assert (balances.allocated, balances.committed, balances.paid, balances.available) == (
        100_000,
        70_000,
        110_000,
        30_000,
    )


# --- two bookings at the same moment ----------------------------------------------------------


def test_two_direct_commitments_racing_for_the_last_euros_land_one(app, approved, fund):
    """Two transactions insert a commitment each, past the services and their lock, at the same
    moment; together they exceed what is available. The trigger locks the fund year before it
    sums, so the second waits for the first to commit, then sees it and is refused."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: two inserts never check side by side")
    fund_year_id, application_id = fund.years[0].id, approved.id

    def commit_600(ready):
        ready()
        _insert(fund_year_id, "commitment", 600_000, application_id)
        time.sleep(0.3)  # holding the lock, so the other insert is sure to wait for it

    outcomes = race(app, commit_600, commit_600)
    assert outcomes.count("ok") == 1, outcomes
    [lost] = [outcome for outcome in outcomes if outcome != "ok"]
    assert isinstance(lost, IntegrityError), repr(lost)
    assert "less than nothing available" in str(lost)
    assert ledger.balances_of(fund_year_id).available == AVAILABLE - 600_000
