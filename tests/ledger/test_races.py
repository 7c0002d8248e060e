"""Bookings two people send at once (issue 11): real threads, each with its own session."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import SYSTEM, Actor
from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application, FundYear, LedgerEntry, ProofOfUse
from juryfund.services import books, ledger, proofs, setup
from juryfund.services.proofs import ReceiptLine
from tests.races import one_won, race

pytestmark = pytest.mark.ledger

TRIES = 4


def _pay(application_id, staff_id, amount, form_key=None):
    def job(ready):
        application = db.session.get(Application, application_id)
        actor = Actor.staff(staff_id)
        application.fund.area  # noqa: B018
        ready()
        books.record_payment(
            application,
            amount_cents=amount,
            payment_type="advance",
            note="",
            actor=actor,
            form_key=form_key,
        )

    return job


def test_two_payments_at_once_never_pay_more_than_committed(app, approved, staff):
    outcomes = race(app, _pay(approved.id, staff.id, 30000), _pay(approved.id, staff.id, 30000))
    one_won(outcomes, "booking.paid_exceeds_committed")
    account = ledger.account_of(approved.id)
    assert (account.committed, account.paid) == (40000, 30000)
    # Two that fit both land, one after the other.
    assert race(app, _pay(approved.id, staff.id, 5000), _pay(approved.id, staff.id, 5000)) == [
        "ok",
        "ok",
    ]
    assert ledger.account_of(approved.id).paid == 40000


def test_accepting_a_proof_twice_at_once_settles_once(app, approved, staff, make, area):
    staff_id, other_id = staff.id, make.staff(areas=[area]).id
    proof = proofs.proof_for(approved)
    proofs.save(
        proof,
        report="Bericht",
        receipts=[ReceiptLine(clock.area_today(area), "Baumarkt", "Erde", 30000)],
    )
    proofs.submit(proof)
    db.session.commit()

    application_id = approved.id  # read here: the threads must not touch this session's objects

    def accept(ready, actor_id):
        found = db.session.scalar(
            select(ProofOfUse).where(ProofOfUse.application_id == application_id)
        )
        actor = Actor.staff(actor_id)
        found.application, found.receipts  # noqa: B018
        ready()
        proofs.accept(found, actor=actor)

    one_won(
        race(app, lambda r: accept(r, staff_id), lambda r: accept(r, other_id)),
        "proof.not_submitted",
    )
    kinds = db.session.execute(
        select(LedgerEntry.kind, LedgerEntry.amount_cents)
        .where(LedgerEntry.application_id == approved.id)
        .order_by(LedgerEntry.id)
    ).all()
    assert [tuple(k) for k in kinds] == [
        ("commitment", 40000),
        ("payment", 30000),
        ("release", 10000),
    ]
    assert db.session.get(Application, approved.id).state == State.SETTLED


def test_closing_a_year_while_a_booking_runs_keeps_the_books_whole(app, fund, staff, clock_at):
    """A payment of last year's project and an adjustment racing the close of last year."""
    from tests.voting.conftest import make_ready

    this_year, staff_id = clock.area_today(fund.area).year, staff.id
    for attempt in range(TRIES):
        # Past years in order (a year before a closed one cannot be opened): each try closes one.
        last = setup.open_fund_year(
            fund, year=this_year - TRIES + attempt, allocation_cents=500_000, actor=staff.actor
        )
        application = make_ready(fund.area, fund, f"Altprojekt {attempt}", 20000)
        ledger.book(last, "commitment", 20000, application=application, actor=staff.actor)
        application.state = State.APPROVED.value
        db.session.commit()
        last_id = last.id

        def close(ready):
            fund_year = db.session.get(FundYear, last_id)
            fund_year.fund.area  # noqa: B018
            ready()
            books.close_year(fund_year, actor=SYSTEM)

        def adjust(ready):
            fund_year = db.session.get(FundYear, last_id)
            actor = Actor.staff(staff_id)
            ready()
            books.record_adjustment(fund_year, amount_cents=1000, reason="Nachtrag", actor=actor)

        outcomes = race(app, close, _pay(application.id, staff.id, 5000), adjust)
        assert outcomes[0] == "ok" and outcomes[1] == "ok", outcomes
        assert outcomes[2] == "ok" or outcomes[2].reason == "booking.year_closed", outcomes
        closed = ledger.balances_of(last_id)
        assert closed.available == 0  # whatever came first, the close took all that was left
        assert closed.lapsed == closed.allocated - closed.committed
        payments = db.session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.application_id == application.id, LedgerEntry.kind == "payment")
        )
        assert payments == 1
        assert ledger.account_of(application.id).paid == 5000


@pytest.mark.parametrize("made_before", [True, False], ids=["year-made-by-a-carry-over", "new"])
def test_opening_a_fund_year_twice_at_once_books_one_allocation(app, fund, staff, made_before):
    """A double click on "open year" or two staff at once: one opens it, the other is told it
    exists; the year's money is allocated once (the second allocation used to double it)."""
    fund_id, staff_id = fund.id, staff.id
    for attempt in range(TRIES):
        year = clock.area_today(fund.area).year + 1 + attempt
        if made_before:  # as a carry-over at the close of the year before makes it, no money
            ledger.year_of_fund(fund_id, year)
            db.session.commit()

        def job(ready, year=year):
            from juryfund.models import Fund

            fund = db.session.get(Fund, fund_id)
            fund.area  # noqa: B018
            ready()
            setup.open_fund_year(
                fund, year=year, allocation_cents=500_000, actor=Actor.staff(staff_id)
            )

        one_won(race(app, job, job), "fund_year.exists")
        allocations = db.session.scalar(
            select(func.count(LedgerEntry.id))
            .join(FundYear, FundYear.id == LedgerEntry.fund_year_id)
            .where(
                FundYear.fund_id == fund_id,
                FundYear.year == year,
                LedgerEntry.kind == "allocation",
            )
        )
        assert allocations == 1


def test_the_database_refuses_a_second_allocation_of_a_year(app, fund, staff):
    """Beside the lock in the service: the books cannot hold two allocations of one year."""
    from sqlalchemy.exc import IntegrityError

    year = clock.area_today(fund.area).year + 1
    fund_year = setup.open_fund_year(fund, year=year, allocation_cents=500_000, actor=SYSTEM)
    db.session.commit()
    db.session.add(
        LedgerEntry(fund_year_id=fund_year.id, kind="allocation", amount_cents=1, note="again")
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def _adjust(fund_year_id, staff_id, form_key):
    def job(ready):
        fund_year = db.session.get(FundYear, fund_year_id)
        ready()
        books.record_adjustment(
            fund_year,
            amount_cents=-1000,
            reason="Kürzung",
            actor=Actor.staff(staff_id),
            form_key=form_key,
        )

    return job


def test_one_booking_form_sent_twice_at_once_books_once(app, approved, staff):
    """A double click sends the same payment form (its key) twice at the same moment: one
    payment is booked, the other sending is refused; a fresh form books again. The same for a
    fund year's adjustment form."""
    key = "k" * 32
    outcomes = race(
        app, _pay(approved.id, staff.id, 5000, key), _pay(approved.id, staff.id, 5000, key)
    )
    one_won(outcomes, "booking.already_sent")
    assert ledger.account_of(approved.id).paid == 5000
    assert race(app, _pay(approved.id, staff.id, 5000, "f" * 32)) == ["ok"]
    assert ledger.account_of(approved.id).paid == 10000

    year_id = ledger.fund_year_of(approved).id
    available = ledger.balances_of(year_id).available
    key = "a" * 32
    one_won(
        race(app, _adjust(year_id, staff.id, key), _adjust(year_id, staff.id, key)),
        "booking.already_sent",
    )
    assert ledger.balances_of(year_id).available == available - 1000
