"""The `flask juryfund` commands."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.models import (
    Application,
    Area,
    Body,
    Fund,
    FundYear,
    LedgerEntry,
    Member,
    StaffUser,
)
from juryfund.services import ledger

pytestmark = pytest.mark.foundation


def test_create_admin_with_password_option_creates_hashed_admin(runner):
    result = runner.invoke(
        args=["juryfund", "create-admin", "Boss@Example.org", "--password", "long enough secret"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(StaffUser))
    assert (user.email, user.role) == ("boss@example.org", "admin")
    assert user.password_hash != "long enough secret"
    assert user.check_password("long enough secret")


def test_create_admin_asks_for_password_when_not_given(runner):
    result = runner.invoke(
        args=["juryfund", "create-admin", "a@example.org"],
        input="typed secret 123\ntyped secret 123\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(StaffUser)).check_password("typed secret 123")


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 10 characters")],
)
def test_create_admin_refuses_weak_password(runner, password, message):
    result = runner.invoke(
        args=["juryfund", "create-admin", "a@example.org", "--password", password]
    )
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count(StaffUser.id))) == 0


def test_create_admin_refuses_existing_email(runner, make):
    make.admin(email="taken@example.org")
    result = runner.invoke(
        args=["juryfund", "create-admin", "TAKEN@example.org", "--password", "long enough secret"]
    )
    assert result.exit_code != 0
    assert "already exists" in result.output


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Area, Fund, Body, Member, Application, LedgerEntry, StaffUser)
    }


def test_demo_seeds_realistic_installation_and_prints_logins(runner):
    result = runner.invoke(args=["juryfund", "demo"])
    assert result.exit_code == 0, result.output
    assert "admin@juryfund.example / demo-admin-2026" in result.output
    assert "qm-soldiner@juryfund.example / demo-staff-2026" in result.output

    areas = {a.slug: a for a in db.session.scalars(select(Area))}
    assert set(areas) == {"soldiner-kiez", "lerchenberg"}
    for area in areas.values():
        action_fund = next(f for f in area.funds if f.kind == "action_fund")
        assert (action_fund.cap_cents, action_fund.body.kind) == (150000, "jury")
        assert len(action_fund.body.members) == 7
        assert ledger.balances_of(action_fund.years[0].id).allocated == 1_000_000
    # Lerchenberg's fund is set up like Aachen's: 10 % own share, hours at 10 €, fees capped.
    rules = next(f for f in areas["lerchenberg"].funds if f.kind == "action_fund")
    assert (rules.own_share_bp, rules.hour_rate_cents, rules.fee_rule, rules.fee_cap_cents) == (
        1000,
        1000,
        "capped",
        30_000,
    )
    council_fund = next(f for f in areas["soldiner-kiez"].funds if f.kind == "neighbourhood_fund")
    assert (council_fund.body.kind, len(council_fund.body.members)) == ("council", 15)
    assert (
        council_fund.body.majority,
        council_fund.body.quorum_numerator,
        council_fund.body.quorum_denominator,
    ) == ("two_thirds", 2, 3)

    states = {app.state for app in db.session.scalars(select(Application))}
    assert db.session.scalar(select(func.count(Application.id))) >= 12
    assert {
        State.SUBMITTED,
        State.RETURNED,
        State.READY,
        State.SCHEDULED,
        State.APPROVED,
        State.REJECTED,
        State.SETTLED,
        State.INELIGIBLE,
        State.WITHDRAWN,
    } <= states


def test_demo_books_are_consistent(runner):
    runner.invoke(args=["juryfund", "demo"])
    for app in db.session.scalars(select(Application)):
        account = ledger.account_of(app.id)
        if app.state in ("approved", "settled"):
            assert account.commitment == app.requested_cents
            assert 0 <= account.paid <= account.committed
        else:
            assert account.commitment == 0


def test_demo_runs_twice_without_harm(runner):
    first = runner.invoke(args=["juryfund", "demo"])
    before = _counts()
    second = runner.invoke(args=["juryfund", "demo"])
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert _counts() == before


def test_demo_seeded_in_berlin_s_new_year_night_lives_in_the_new_year(runner, clock_at):
    # 23:30 UTC on 31 December is already 1 January in Berlin, the demo areas' time zone:
    # the demo's fund years, applications and references belong to the new year.
    clock_at(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    result = runner.invoke(args=["juryfund", "demo"])
    assert result.exit_code == 0, result.output
    assert set(db.session.scalars(select(FundYear.year))) == {2027}
    applications = list(db.session.scalars(select(Application)))
    assert applications and {a.year for a in applications} == {2027}
    assert all("-2027-" in a.reference for a in applications)
