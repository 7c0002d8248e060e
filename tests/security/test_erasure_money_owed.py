"""Erasure waits while money is pending (privacy.erase: "while money or a decision is pending
the data is needed to carry it out"). A cancelled project whose advance was paid owes it back:
the refund claim is pending, and the applicant's name, address and e-mail are how the QM team
reaches them."""

from __future__ import annotations

import pytest

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.services import books, ledger, privacy

pytestmark = pytest.mark.security


def test_erasure_waits_while_a_cancelled_project_still_owes_its_advance(approved, staff):
    books.record_payment(
        approved, amount_cents=40000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    books.cancel(approved, reason="Fest abgesagt", actor=staff.actor)
    db.session.commit()
    assert approved.state == "cancelled"
    assert ledger.account_of(approved.id).paid == 40000  # to be refunded, nothing back yet

    preview = privacy.preview_erasure(approved)
    assert (preview.allowed, preview.money_owed) == (False, True)
    with pytest.raises(DomainError):
        privacy.erase(approved, actor=staff.actor, reason="Brief", title="Pflanzaktion")


def test_the_erasure_page_says_why_it_waits(client, approved, staff, login):
    """Staff see the reason (money to settle), not "once the application is finished"."""
    books.record_payment(
        approved, amount_cents=40000, payment_type="advance", note="", actor=staff.actor
    )
    books.cancel(approved, reason="Fest abgesagt", actor=staff.actor)
    db.session.commit()
    login(staff)
    page = client.get(f"/staff/applications/{approved.id}/erase", headers={"Accept-Language": "en"})
    assert "still to be settled" in page.get_data(as_text=True)
