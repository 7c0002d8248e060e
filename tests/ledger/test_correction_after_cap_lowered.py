"""A grant approved at the fund's old cap can still be cut after the fund lowered its cap.

Today's cap binds new money only: a correction that raises the amount meets it, a cut or the
same amount needs only to stay above zero and within the request
(services.decisions._check_amount). Found by the district's auditor.
"""

from __future__ import annotations

import pytest

from juryfund.extensions import db
from juryfund.services import decisions, ledger
from tests.fixtures import Spec

pytestmark = pytest.mark.ledger


def test_a_grant_can_be_cut_after_the_fund_lowered_its_cap(area, fund, jury, staff, decide):
    """1,500 € (the cap) approved; later the fund lowers its cap to 1,000 € for new
    applications. Cutting that grant to 1,200 € (less money, nothing more committed) is a
    correction the QM team must be able to book: the commitment is released by 300 €."""
    [project] = decide([Spec("Hoffest", requested=150000, approved=150000)])
    fund.cap_cents = 100000
    db.session.commit()

    decisions.correct_decision(
        decisions.current_decision(project),
        amount_cents=120000,
        conditions="",
        reason="Kürzung",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()
    assert ledger.account_of(project.id).committed == 120000


def test_a_grant_is_not_raised_above_the_lowered_cap(area, fund, jury, staff, decide):
    """Raising the amount commits new money, which today's cap bounds."""
    from juryfund.domain.errors import DomainError

    [project] = decide([Spec("Hoffest", requested=150000, approved=90000)])
    fund.cap_cents = 100000
    db.session.commit()

    with pytest.raises(DomainError) as refused:
        decisions.correct_decision(
            decisions.current_decision(project),
            amount_cents=120000,
            conditions="",
            reason="Erhöhung",
            reasons="Mehr Mittel verfügbar.",
            actor=staff.actor,
        )
    assert refused.value.reason == "decision.above_cap"
