"""Staff (for the applicant) and the applicant working on one proof of use at once: real
threads, each with its own session, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from juryfund.domain.actors import Actor
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import AuditEvent, ProofOfUse, Receipt
from juryfund.services import proofs
from juryfund.services.proofs import ReceiptLine
from tests.races import TIMEOUT, race

pytestmark = pytest.mark.ledger


def _staff_list() -> list[ReceiptLine]:
    """The receipts staff enter, dated on the day the test runs (a run may cross midnight)."""
    today = clock.today_in(None)
    return [
        ReceiptLine(today, "Gartencenter", "Blumenerde", 8990),
        ReceiptLine(today, "Baumarkt", "Gießkannen", 6210),
    ]


def _applicant_list() -> list[ReceiptLine]:
    """The receipts the applicant enters, dated on the day the test runs."""
    today = clock.today_in(None)
    return [
        ReceiptLine(today, "Bäckerei", "Kuchen", 2500),
        ReceiptLine(today, "Getränkemarkt", "Saft", 1800),
        ReceiptLine(today, "Copyshop", "Plakate", 1200),
    ]


def _load(application_id: int) -> ProofOfUse:
    """The proof as a request loads it, its receipt list read before the other acts."""
    proof = db.session.scalar(select(ProofOfUse).where(ProofOfUse.application_id == application_id))
    proof.application, list(proof.receipts)  # noqa: B018
    return proof


def _receipts(proof_id: int) -> list[tuple[int, str]]:
    return [
        (r.position, r.item)
        for r in db.session.scalars(
            select(Receipt)
            .where(Receipt.proof_id == proof_id)
            .order_by(Receipt.position, Receipt.id)
        )
    ]


def test_two_saves_at_once_leave_one_receipt_list(app, approved, staff):
    proof_id, application_id, staff_id = proofs.proof_for(approved).id, approved.id, staff.id
    db.session.commit()

    def staff_saves(ready):
        proof, actor = _load(application_id), Actor.staff(staff_id)
        ready()
        proofs.save(proof, report="Vom Team eingetragen", receipts=_staff_list(), actor=actor)

    def applicant_saves(ready):
        proof = _load(application_id)
        ready()
        proofs.save(proof, report="Mein Bericht", receipts=_applicant_list())

    assert race(app, staff_saves, applicant_saves) == ["ok", "ok"]
    kept = _receipts(proof_id)
    # One list, the whole of one save (whichever came second), never both lists doubled.
    assert kept in (
        [(i + 1, line.item) for i, line in enumerate(_staff_list())],
        [(i + 1, line.item) for i, line in enumerate(_applicant_list())],
    ), kept
    # Staff saving for the applicant is in the trail; the applicant's own save is not.
    saved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "proof.saved")).all()
    assert [(event.object_type, event.object_id) for event in saved] == [
        ("application", str(application_id))
    ]
    assert str(staff_id) in saved[0].actor


def test_a_save_racing_a_submission_leaves_the_sent_receipts_alone(app, approved, staff):
    proof = proofs.proof_for(approved)
    proofs.save(proof, report="Vom Team eingetragen", receipts=_staff_list())
    db.session.commit()
    proof_id, application_id, staff_id = proof.id, approved.id, staff.id
    submitted = threading.Event()

    def staff_submits(ready):
        proof, actor = _load(application_id), Actor.staff(staff_id)
        ready()
        proofs.submit(proof, actor=actor, note="Im Kiezbüro abgegeben.")
        submitted.set()  # sent, not committed yet: the save below comes while it commits

    def applicant_saves(ready):
        proof = _load(application_id)  # still a draft when read
        ready()
        assert submitted.wait(TIMEOUT)
        proofs.save(proof, report="Mein Bericht", receipts=_applicant_list())

    submit_outcome, save_outcome = race(app, staff_submits, applicant_saves)
    assert submit_outcome == "ok"
    assert getattr(save_outcome, "reason", save_outcome) == "proof.not_editable"
    found = db.session.get(ProofOfUse, proof_id)
    assert (found.state, found.report) == ("submitted", "Vom Team eingetragen")
    assert _receipts(proof_id) == [(1, "Blumenerde"), (2, "Gießkannen")]


def test_the_database_refuses_two_receipts_at_one_place(approved):
    proof = proofs.proof_for(approved)
    proofs.save(proof, report="Bericht", receipts=_staff_list()[:1])
    db.session.commit()
    db.session.add(
        Receipt(
            proof_id=proof.id,
            position=1,
            date=clock.today_in(None),
            supplier="B",
            item="C",
            amount_cents=1,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
