"""The database itself refuses data that would break the model's rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest
from sqlalchemy.exc import IntegrityError

from juryfund.extensions import db
from juryfund.models import (
    AgendaItem,
    Application,
    CostItem,
    Decision,
    LedgerEntry,
    Round,
    Vote,
)

pytestmark = pytest.mark.foundation


@pytest.fixture
def setup(make):
    """An area with a jury, a fund with a year, and one application."""
    area = make.area(code="SOL")
    body = make.body(area)
    fund = make.fund(area, body)
    application = _application(area, fund, number=1)
    db.session.add(application)
    db.session.commit()
    return area, body, fund, application


def _application(area, fund, number, **overrides):
    values = dict(
        area_id=area.id,
        fund_id=fund.id,
        year=2026,
        number=number,
        reference=f"{area.code}-2026-{number:04d}",
        applicant_kind="person",
        applicant_name="Ayşe Yılmaz",
        email="a@example.org",
        title="Hoffest",
        description="Ein Fest",
        start_date=date(2026, 6, 1),
        end_date=date(2026, 6, 1),
        total_cents=50000,
        requested_cents=40000,
    )
    values.update(overrides)
    return Application(**values)


def _refused(obj) -> None:
    db.session.add(obj)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "overrides",
    [
        {"state": "lost"},
        {"requested_cents": -1},
        {"requested_cents": 60000},  # more than the cost total
        {"end_date": date(2026, 5, 1)},  # ends before it starts
        {"applicant_kind": "company"},
        {"cofunding_cents": -5},
    ],
    ids=["state", "negative-request", "request-above-total", "dates", "kind", "negative-cofunding"],
)
def test_application_check_constraints_refuse_bad_rows(setup, overrides):
    area, _body, fund, _app = setup
    _refused(_application(area, fund, number=2, **overrides))


def test_application_reference_unique_per_area_and_year(setup):
    area, _body, fund, _app = setup
    _refused(_application(area, fund, number=1, reference="SOL-2026-0001-dup"))


def test_cost_item_total_must_be_quantity_times_unit(setup):
    *_rest, application = setup
    _refused(
        CostItem(
            application_id=application.id,
            position=1,
            description="Erde",
            category="material",
            quantity=2,
            unit_cents=500,
            total_cents=999,
        )
    )


def _open_round(body):
    round_ = Round(
        body_id=body.id, mode="circulation", state="open", deadline=datetime(2026, 6, 1, tzinfo=UTC)
    )
    round_.freeze_rule(body.rule)
    db.session.add(round_)
    db.session.flush()
    return round_


def test_one_vote_per_member_and_agenda_item(setup):
    _area, body, _fund, application = setup
    item = AgendaItem(round_id=_open_round(body).id, application_id=application.id, position=1)
    db.session.add(item)
    db.session.flush()
    member = body.members[0]
    db.session.add(Vote(agenda_item_id=item.id, member_id=member.id, choice="yes"))
    db.session.commit()
    _refused(Vote(agenda_item_id=item.id, member_id=member.id, choice="no"))


def test_vote_choice_is_checked(setup):
    _area, body, _fund, application = setup
    item = AgendaItem(round_id=_open_round(body).id, application_id=application.id, position=1)
    db.session.add(item)
    db.session.commit()
    _refused(Vote(agenda_item_id=item.id, member_id=body.members[0].id, choice="maybe"))


@pytest.mark.parametrize(
    ("kind", "amount", "with_application", "note"),
    [
        ("allocation", -100, False, ""),
        ("commitment", 0, True, ""),
        ("commitment", 100, False, ""),  # a commitment needs its application
        ("allocation", 100, True, ""),  # an allocation belongs to no application
        ("adjustment", 0, False, "why"),
        ("adjustment", 100, False, ""),  # an adjustment needs a reason
        ("payment", 100, True, ""),  # a payment needs its type
        ("bonus", 100, False, ""),
    ],
)
def test_ledger_entry_constraints(setup, kind, amount, with_application, note):
    _area, _body, fund, application = setup
    _refused(
        LedgerEntry(
            fund_year_id=fund.years[0].id,
            kind=kind,
            amount_cents=amount,
            note=note,
            application_id=application.id if with_application else None,
        )
    )


@pytest.mark.parametrize(
    ("outcome", "approved"),
    [("approved", None), ("approved", 0), ("rejected", 100), ("no_quorum", 100), ("maybe", None)],
)
def test_decision_amount_matches_outcome(setup, outcome, approved):
    *_rest, application = setup
    _refused(
        Decision(
            application_id=application.id,
            outcome=outcome,
            approved_cents=approved,
            requested_cents=100,
            reasons="Begründung",
        )
    )


def test_decision_correction_needs_reason(setup):
    *_rest, application = setup
    first = Decision(
        application_id=application.id, outcome="rejected", requested_cents=100, reasons="Zu spät."
    )
    db.session.add(first)
    db.session.commit()
    _refused(
        Decision(
            application_id=application.id,
            outcome="approved",
            approved_cents=100,
            requested_cents=100,
            supersedes_id=first.id,
            decided_at=first.decided_at,  # refused for the missing reason alone
        )
    )


def test_round_freezes_rule_copy(setup):
    _area, body, *_ = setup
    round_ = _open_round(body)
    body.quorum_numerator, body.quorum_denominator, body.majority = 2, 3, "two_thirds"
    db.session.commit()
    assert (round_.rule.quorum, round_.rule.majority) == (Fraction(1, 2), "simple")
    assert body.rule.quorum == Fraction(2, 3)


def test_member_taken_off_can_be_added_again_but_not_twice_while_serving(setup):
    from juryfund.models import Member
    from juryfund.services import setup as setup_service

    _area, body, *_ = setup
    member = body.members[0]
    setup_service.remove_member(member)
    db.session.commit()
    again = setup_service.save_member(
        None,
        body,
        name=member.name,
        email=member.email,
        language="de",
        role="resident",
        term_start=date(2026, 1, 1),
        term_end=None,
    )
    db.session.commit()
    assert again.id != member.id
    _refused(Member(body_id=body.id, name="Twin", email=member.email, term_start=date(2026, 1, 1)))
