"""Any sequence of bookings keeps the invariants, and the balances shown equal the entries' sums."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from juryfund.domain import budget
from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application, LedgerEntry
from juryfund.services import ledger

from ..conftest import csrf_from

pytestmark = pytest.mark.ledger

KINDS = ["allocation", "adjustment", "carry_in", "commitment", "release", "payment", "refund"]
APPLICATION_KINDS = {"commitment", "release", "payment", "refund"}
STEPS = st.lists(
    st.tuples(
        st.sampled_from(KINDS), st.integers(min_value=-60_000, max_value=120_000), st.integers(0, 2)
    ),
    max_size=30,
)


def _applications(area, fund) -> list[Application]:
    rows = []
    for i in range(3):
        application = Application(
            area_id=area.id,
            fund_id=fund.id,
            year=clock.area_today(area).year,
            number=i + 1,
            reference=f"{area.code}-{clock.area_today(area).year}-{i + 1:04d}",
            state="approved",
            applicant_kind="person",
            applicant_name="P",
            email=f"p{i}@example.org",
            title=f"Aktion {i}",
            description="d",
            start_date=clock.area_today(area),
            end_date=clock.area_today(area),
            total_cents=200_000,
            requested_cents=150_000,
        )
        db.session.add(application)
        rows.append(application)
    db.session.commit()
    return rows


def _shown_balances(client, fund_year_id: int) -> list[str]:
    html = client.get(
        f"/staff/fund-years/{fund_year_id}", headers={"Accept-Language": "de"}
    ).get_data(as_text=True)
    block = html.split('class="facts balances"')[1].split("</dl>")[0]
    return re.findall(r"<dd>(?:<strong>)?([^<]+)", block)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_any_booking_sequence_keeps_invariants_and_shown_balances_equal_entries(
    app, make, client, steps
):
    area = make.area()
    fund = make.fund(area, make.body(area, members=1), allocation_cents=100_000)
    fund_year = fund.years[0]
    applications = _applications(area, fund)
    for kind, amount, index in steps:
        application = applications[index] if kind in APPLICATION_KINDS else None
        try:
            ledger.book(
                fund_year,
                kind,
                amount,
                application=application,
                note="step",
                payment_type="advance" if kind == "payment" else None,
            )
            db.session.commit()
        except DomainError:
            db.session.rollback()
        entries = db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.fund_year_id == fund_year.id)
        ).all()
        domain_entries = [
            budget.Entry(budget.EntryKind(e.kind), e.amount_cents, e.application_id)
            for e in entries
        ]
        expected = budget.balances(domain_entries)
        assert ledger.balances_of(fund_year.id) == expected
        assert expected.available >= 0
        for candidate in applications:
            account = ledger.account_of(candidate.id)
            assert account == budget.account(domain_entries, candidate.id)
            assert 0 <= account.paid <= account.committed
            assert 0 <= account.released <= account.commitment

    staff = make.staff(areas=[area])
    client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_from(client.get("/staff/login").get_data(as_text=True)),
            "email": staff.email,
            "password": "correct horse battery",
        },
    )
    from juryfund.domain.money import format_money

    shown = _shown_balances(client, fund_year.id)
    balances = ledger.balances_of(fund_year.id)
    assert shown == [
        format_money(v, "de")
        for v in (balances.allocated, balances.committed, balances.paid, balances.available)
    ]
    client.post(
        "/staff/logout",
        data={"csrf_token": csrf_from(client.get("/staff/").get_data(as_text=True))},
    )
