"""The proof of use is one unit of work per request: one commit, and safe to run again.

Files, report, receipts and the sending are committed together at the end; a request that lost
a race with the database is run again (web/retry.py) and stores everything exactly once.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import Attachment, ProofOfUse
from juryfund.services import proofs

from ..lost_race import commits_seen, lose_after
from .test_proof import _resident, _send, receipts

pytestmark = pytest.mark.ledger

FILES = {
    "receipt_files": [
        (b"%PDF-1.4 receipt 1", "beleg1.pdf"),
        (b"\xff\xd8\xff\xe0 receipt 2", "beleg2.jpg"),
    ],
    "photos": [(b"\x89PNG\r\n\x1a\n photo", "aktion.png")],
}


def _with_files(data: dict) -> dict:
    """The form's data with fresh upload streams of FILES."""
    return {
        **data,
        **{
            field: [(io.BytesIO(content), name) for content, name in files]
            for field, files in FILES.items()
        },
    }


def _stored_files(proof: ProofOfUse) -> list[tuple[str, bytes]]:
    rows = db.session.scalars(select(Attachment).where(Attachment.proof_id == proof.id))
    return sorted((a.filename, a.data) for a in rows)


EXPECTED = sorted((name, content) for files in FILES.values() for content, name in files)


def _send_with_files(smtp_app, smtp_server, approved):
    """The resident sends report, receipts and FILES, counting the commits of the request."""
    resident = _resident(smtp_app, smtp_server, approved)
    with commits_seen() as commits:
        response = _send(
            resident, approved.reference, _with_files({"report": "Bericht", **receipts()}), "submit"
        )
    return response, len(commits)


def test_sending_the_proof_commits_once(smtp_app, smtp_server, approved):
    response, commits = _send_with_files(smtp_app, smtp_server, approved)
    # The GET for the form's token commits nothing; the POST commits once.
    assert (response.status_code, commits) == (302, 1)
    proof = db.session.scalars(select(ProofOfUse)).one()
    assert (proof.state, len(proof.receipts), _stored_files(proof)) == ("submitted", 3, EXPECTED)


def test_sending_that_loses_a_race_is_run_again_and_stores_each_file_once(
    smtp_app, smtp_server, approved, monkeypatch
):
    calls = lose_after(monkeypatch, proofs, "submit")
    response, _commits = _send_with_files(smtp_app, smtp_server, approved)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/status/{approved.reference}"
    assert len(calls) == 2  # the first run lost the race; the second one sent the proof
    proof = db.session.scalars(select(ProofOfUse)).one()
    # Each file once, with its bytes: the second run read the uploads from their start again.
    assert (proof.state, len(proof.receipts), _stored_files(proof)) == ("submitted", 3, EXPECTED)


def test_refused_sending_keeps_files_and_text_in_the_one_commit(
    smtp_app, smtp_server, approved, monkeypatch
):
    real_submit = proofs.submit

    def refuse(proof, **kwargs):
        real_submit(proof, **kwargs)  # the state moved on ...
        raise DomainError("proof.not_editable")  # ... and then it was refused

    monkeypatch.setattr(proofs, "submit", refuse)
    response, commits = _send_with_files(smtp_app, smtp_server, approved)
    assert (response.status_code, commits) == (200, 1)
    proof = db.session.scalars(select(ProofOfUse)).one()
    assert (proof.state, proof.report, len(proof.receipts)) == ("draft", "Bericht", 3)
    assert _stored_files(proof) == EXPECTED
