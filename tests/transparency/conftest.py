"""Fixtures for the public outputs: personal data that must never leak.

The area, jury, fund and staff, and ``decide`` (applications decided by a real jury meeting) are
the shared fixtures of ``tests/fixtures.py``.
"""

from __future__ import annotations

import pytest

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.services import books, proofs
from tests.fixtures import Spec, ready_application  # noqa: F401  (the transparency tests import them from here)

#: Personal data no public output may contain unless the applicant agreed (name) — or ever.
SECRET_NAME = "Zelda Geheimname"
SECRET_EMAIL = "zelda.private@example.org"
SECRET_PHONE = "+49 30 5550199"
SECRET_ADDRESS = "Versteckweg 7, 13359 Berlin"


STORY = "Zwölf Nachbarinnen haben das Beet an der Ecke bepflanzt; die Kinder gießen jetzt."
ALT_BED = "Frisch bepflanztes Hochbeet an der Straßenecke"
ALT_KIDS = "Kinder mit Gießkannen vor dem Beet"


@pytest.fixture
def settled(approved, staff):
    """The approved "Pflanzaktion", paid and its proof of use accepted: settled (the stories
    and the annual report tell of it).

    The receipt is dated today in the area: between midnight in Berlin and midnight UTC the
    server's date is the day before the application, a receipt that would wait for staff's choice.
    """
    books.record_payment(
        approved, amount_cents=40000, payment_type="advance", note="", actor=staff.actor
    )
    proof = proofs.proof_for(approved)
    proofs.save(
        proof,
        report="Beet bepflanzt",
        receipts=[proofs.ReceiptLine(clock.area_today(approved.area), "Gärtnerei", "Erde", 40000)],
    )
    proofs.submit(proof)
    db.session.commit()
    proofs.accept(proof, actor=staff.actor)
    db.session.commit()
    assert approved.state == "settled"
    return approved
