"""Opening a past fund year while a later year of the same fund closes.

A fund's years close in order and a year before a closed one cannot be opened (its rest could
never be carried or closed into the closed year after it). setup.open_fund_year and
books.close_year each check the other's year; each used to lock only its own fund-year row, and
the trigger fund_year_closes_in_order saw only committed rows: when the close wrote closed_at
before the opening committed, both went through and the fund ended with an open year (holding
its allocation) before a closed one. Both now take the fund's lock first
(services.ledger.lock_fund), and the triggers check under it too.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from juryfund.domain.actors import Actor
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Fund, FundYear
from juryfund.models.base import utcnow
from juryfund.services import books, ledger, setup
from tests.conftest import POSTGRES_URL
from tests.races import race

pytestmark = [
    pytest.mark.ledger,
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="the race needs PostgreSQL's row locks"),
]


def test_a_past_year_opened_while_a_later_year_closes_never_leaves_it_open_before_a_closed_one(
    app, fund, staff, monkeypatch
):
    fund.carry_over = True  # the rest of a closed year moves on into the year after it
    this_year = clock.area_today(fund.area).year
    later = setup.open_fund_year(
        fund, year=this_year - 1, allocation_cents=200_000, actor=staff.actor
    )
    db.session.commit()
    fund_id, later_id, staff_id = fund.id, later.id, staff.id

    close_checked, open_checked, closed = threading.Event(), threading.Event(), threading.Event()
    real_earlier, real_latest = books.earlier_open_year, setup._latest_closed_year

    def earlier_open_year(fund_year):
        found = real_earlier(fund_year)
        close_checked.set()
        open_checked.wait(5)  # bounded: an opening that waits for a lock lets the close go on
        return found

    def latest_closed_year(fund_id):
        close_checked.wait(5)  # bounded, as every wait here: a fix may hold one of them back
        try:
            return real_latest(fund_id)
        finally:
            open_checked.set()

    monkeypatch.setattr(books, "earlier_open_year", earlier_open_year)
    monkeypatch.setattr(setup, "_latest_closed_year", latest_closed_year)

    def close(ready):
        fund_year = db.session.get(FundYear, later_id)
        fund_year.fund.area  # noqa: B018
        actor = Actor.staff(staff_id)
        ready()
        try:
            books.close_year(fund_year, actor=actor)  # its UPDATE of closed_at has run
        finally:
            closed.set()

    def open_(ready):
        found = db.session.get(Fund, fund_id)
        found.area  # noqa: B018
        actor = Actor.staff(staff_id)
        ready()
        setup.open_fund_year(found, year=this_year - 2, allocation_cents=100_000, actor=actor)
        closed.wait(5)  # the opening commits a moment after the close wrote closed_at

    outcomes = race(app, close, open_)
    years = {
        year: closed_at is not None
        for year, closed_at in db.session.execute(
            select(FundYear.year, FundYear.closed_at).where(FundYear.fund_id == fund_id)
        )
    }
    open_before_closed = [
        year
        for year, is_closed in years.items()
        if not is_closed and any(c and other > year for other, c in years.items())
    ]
    assert open_before_closed == [], (outcomes, years)


def test_a_direct_opening_and_close_at_once_never_leave_an_open_year_before_a_closed_one(
    app, fund, staff
):
    """The same two writes past the services (a script, a console): the triggers take the
    fund's lock before they read its years, so the second waits for the first to commit, sees
    it and is refused."""
    this_year = clock.area_today(fund.area).year
    later = setup.open_fund_year(fund, year=this_year - 1, allocation_cents=1000, actor=staff.actor)
    ledger.book(later, "lapse", 1000, note="ohne Rest", actor=staff.actor)  # closable directly
    db.session.commit()
    fund_id, later_id = fund.id, later.id

    def close(ready):
        ready()
        db.session.execute(
            text("UPDATE fund_year SET closed_at = :at WHERE id = :id"),
            {"at": utcnow(), "id": later_id},
        )
        time.sleep(0.3)  # holding the fund's lock, so the other write is sure to wait for it

    def open_(ready):
        ready()
        db.session.add(FundYear(fund_id=fund_id, year=this_year - 2))
        db.session.flush()
        time.sleep(0.3)

    outcomes = race(app, close, open_)
    assert outcomes.count("ok") == 1, outcomes
    [lost] = [outcome for outcome in outcomes if outcome != "ok"]
    assert isinstance(lost, IntegrityError), repr(lost)
    years = dict(
        db.session.execute(
            select(FundYear.year, FundYear.closed_at).where(FundYear.fund_id == fund_id)
        ).all()
    )
    assert years.get(this_year - 2) is None or years[this_year - 1] is None, years
