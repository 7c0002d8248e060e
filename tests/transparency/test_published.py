"""Which decisions are published, how applicants are named, and the year and fund filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from juryfund.extensions import db
from juryfund.services import decisions, setup, transparency
from juryfund.services.transparency import published_applicant

from .conftest import Spec

pytestmark = pytest.mark.transparency


@pytest.mark.parametrize(
    ("kind", "name", "organisation", "consent", "expected"),
    [
        ("person", "Ayşe Yılmaz", "", False, None),
        ("person", "Ayşe Yılmaz", "", True, "Ayşe Yılmaz"),
        ("person", "Ayşe Yılmaz", "Hausgemeinschaft", False, None),
        ("person", "Ayşe Yılmaz", "Hausgemeinschaft", True, "Ayşe Yılmaz, Hausgemeinschaft"),
        ("initiative", "Jonas Becker", "Kinoinitiative Panke", False, "Kinoinitiative Panke"),
        ("initiative", "Jonas Becker", "", False, None),
        ("association", "Fatima Haddad", "Frauentreff e.V.", False, "Frauentreff e.V."),
        (
            "association",
            "Fatima Haddad",
            "Frauentreff e.V.",
            True,
            "Fatima Haddad, Frauentreff e.V.",
        ),
        ("initiative", "", "Kinoinitiative Panke", True, "Kinoinitiative Panke"),
    ],
)
def test_published_applicant_rule(kind, name, organisation, consent, expected):
    assert published_applicant(kind, name, organisation, consent) == expected


def test_only_decisions_in_force_with_approval_or_rejection_are_published(area, decide, staff):
    approved, rejected = decide([Spec("Hoffest", 60000), Spec("Kiezkino", outcome="rejected")])
    decide([Spec("Lesecafé", outcome="no_quorum")])
    first = decisions.current_decision(approved)
    correction = decisions.correct_decision(
        first,
        amount_cents=45000,
        conditions="",
        reason="Rechenfehler im Protokoll",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()

    year = transparency.current_year(area)
    published = transparency.all_decisions(area, year=year)

    assert [(d.decision_id, d.reference, d.outcome, d.approved_cents) for d in published] == [
        (correction.id, approved.reference, "approved", 45000),  # corrected just now: newest
        (decisions.current_decision(rejected).id, rejected.reference, "rejected", None),
    ]
    assert transparency.count_decisions(area, year=year) == 2


def test_newest_first(area, decide):
    old = decide([Spec("Frühjahrsputz")], at=datetime(2026, 3, 1, 18, tzinfo=UTC))
    new = decide([Spec("Sommerfest")], at=datetime(2026, 6, 1, 18, tzinfo=UTC))
    refs = [d.reference for d in transparency.all_decisions(area, year=2026)]
    assert refs == [new[0].reference, old[0].reference]


def test_year_counts_in_the_area_time_zone(area, fund, decide, staff):
    # 23:30 UTC on New Year's Eve is already 00:30 on 1 January in Berlin: the decision is
    # booked in the fund's 2026 and listed there; the one an hour earlier in 2025.
    setup.open_fund_year(fund, year=2025, allocation_cents=1_000_000, actor=staff.actor)
    (late,) = decide([Spec("Silvesteraktion")], at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    (early,) = decide([Spec("Winteraktion")], at=datetime(2025, 12, 31, 22, 30, tzinfo=UTC))
    assert [d.reference for d in transparency.all_decisions(area, year=2026)] == [late.reference]
    assert [d.reference for d in transparency.all_decisions(area, year=2025)] == [early.reference]
    assert {2025, 2026} <= set(transparency.decision_years(area))


def test_fund_filter(area, jury, make, decide):
    other = make.fund(area, jury, cap_cents=5_000_000, allocation_cents=6_000_000)
    (in_first,) = decide([Spec("Pflanzaktion")])
    (in_other,) = decide([Spec("Großprojekt", requested=900000)], in_fund=other)
    year = transparency.current_year(area)
    assert [d.reference for d in transparency.all_decisions(area, year=year, fund_id=other.id)] == [
        in_other.reference
    ]
    assert in_first.reference in {
        d.reference for d in transparency.all_decisions(area, year=year, fund_id=in_first.fund_id)
    }
    assert transparency.count_decisions(area, year=year) == 2


def test_other_areas_decisions_stay_out(area, make, decide):
    decide([Spec("Hoffest")])
    elsewhere = make.area(name="Lerchenberg", slug="lerchenberg", code="LER")
    assert transparency.all_decisions(elsewhere) == []


def test_budget_matches_ledger(area, fund, decide):
    decide([Spec("Hoffest", 60000), Spec("Kino", 40000, approved=30000)])
    budget = transparency.budget(area, transparency.current_year(area))
    (line,) = budget.lines
    assert (
        line.balances.allocated,
        line.balances.committed,
        line.balances.paid,
        line.balances.available,
    ) == (1_000_000, 90000, 0, 910000)
