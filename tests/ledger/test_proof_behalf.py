"""Staff enter a proof of use for a resident without e-mail or scanner (issue 14, item 7): the
receipts and scans the applicant brought in, under the same rules as the applicant's own form,
sent on their behalf with a note; the history says the QM team did it."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from juryfund.domain.files import MAX_FILE_BYTES
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import ApplicationEvent, Attachment, AuditEvent, ProofOfUse
from juryfund.services import proofs

from ..conftest import csrf_from

pytestmark = pytest.mark.ledger


def _receipts() -> dict[str, str]:
    """Two receipts dated on the day the test runs (a run may cross midnight)."""
    today = clock.today_in(None).isoformat()
    return {
        "receipts-0-date": today,
        "receipts-0-supplier": "Gartencenter Wedding",
        "receipts-0-item": "Blumenerde",
        "receipts-0-amount": "89,90",
        "receipts-1-date": today,
        "receipts-1-supplier": "Baumarkt",
        "receipts-1-item": "Gießkannen",
        "receipts-1-amount": "62,10",
    }


def _url(application) -> str:
    return f"/staff/applications/{application.id}/proof/edit"


def _post(client, application, data, action):
    token = csrf_from(client.get(_url(application)).get_data(as_text=True))
    return client.post(
        _url(application),
        data={"csrf_token": token, "action": action, **data},
        content_type="multipart/form-data",
    )


def test_staff_enter_receipts_and_a_scan_and_send_on_the_applicants_behalf(
    client, login, approved, staff
):
    login(staff)
    money = client.get(f"/staff/applications/{approved.id}/money").get_data(as_text=True)
    assert _url(approved) in money
    assert client.get(_url(approved)).status_code == 200

    data = {
        "report": "Zwölf Baumscheiben bepflanzt; Belege in der Sprechstunde abgegeben.",
        **_receipts(),
        "receipt_files": [(io.BytesIO(b"%PDF-1.4 Kassenbon"), "kassenbon.pdf")],
    }
    assert _post(client, approved, data, "save").status_code == 302
    proof = db.session.scalars(select(ProofOfUse)).one()
    assert (proof.state, proofs.proven_cents(proof)) == ("draft", 15200)
    saved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "proof.saved")).all()
    assert len(saved) == 1  # the trail says the QM team wrote the receipt list
    assert "Gießkannen" in client.get(_url(approved)).get_data(as_text=True)

    # Sending needs the note on how the applicant handed it in: next to its field, nothing lost.
    refused = _post(client, approved, {**data, "receipt_files": []}, "submit")
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert 'id="note-error"' in html
    assert "Gießkannen" in html
    db.session.expire_all()
    assert proof.state == "draft"

    sent = _post(
        client,
        approved,
        {**data, "receipt_files": [], "note": "Am 3. Mai im Kiezbüro auf Papier abgegeben."},
        "submit",
    )
    assert sent.status_code == 302
    db.session.expire_all()
    assert (proof.state, len(proof.receipts)) == ("submitted", 2)
    files = db.session.scalars(select(Attachment).where(Attachment.proof_id == proof.id)).all()
    assert [(f.kind, f.filename) for f in files] == [("receipt", "kassenbon.pdf")]
    [event] = db.session.scalars(
        select(ApplicationEvent).where(
            ApplicationEvent.application_id == approved.id, ApplicationEvent.kind == "proof"
        )
    ).all()
    assert (event.actor_kind, event.actor_staff_id) == ("staff", staff.id)
    assert event.note == "Am 3. Mai im Kiezbüro auf Papier abgegeben."
    added = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "proof.file_added")
    ).all()
    assert len(added) == 1
    detail = client.get(f"/staff/applications/{approved.id}").get_data(as_text=True)
    assert "Am 3. Mai im Kiezbüro" in detail

    # Sent: the form is gone and nothing changes any more.
    assert "receipts-0-supplier" not in client.get(_url(approved)).get_data(as_text=True)
    again = _post(client, approved, {**data, "receipt_files": [], "note": "x"}, "save")
    assert again.status_code == 200
    db.session.expire_all()
    assert proof.state == "submitted" and len(proof.receipts) == 2


def test_the_applicants_rules_apply_to_staff_too(client, login, approved, staff):
    login(staff)
    missing = {**_receipts(), "receipts-0-date": ""}
    refused = _post(client, approved, {"report": "Bericht", **missing}, "save")
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert 'id="receipts-0-date-error"' in html
    assert "Gartencenter Wedding" in html  # nothing typed is lost
    zero = {**_receipts(), "receipts-1-amount": "0"}
    refused = _post(client, approved, {"report": "Bericht", **zero}, "save")
    assert refused.status_code == 200
    assert 'id="receipts-1-amount-error"' in refused.get_data(as_text=True)
    proof = proofs.find(approved)
    assert proof is None or proof.receipts == []

    too_big = b"%PDF-1.4 " + b"x" * MAX_FILE_BYTES
    files = {
        "report": "Bericht",
        **_receipts(),
        "receipt_files": [
            (io.BytesIO(too_big), "riesig.pdf"),
            (io.BytesIO(b"MZ\x90\x00"), "virus.exe"),
        ],
    }
    refused = _post(client, approved, files, "save")
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "riesig.pdf" in html and "virus.exe" in html
    assert db.session.scalars(select(Attachment).where(Attachment.proof_id.isnot(None))).all() == []


def test_staff_of_another_area_cannot_enter_a_proof(client, login, approved, make):
    other = make.staff(areas=[make.area(name="Brunnenviertel", slug="brunnen", code="BRU")])
    login(other)
    assert client.get(_url(approved)).status_code == 403
    token = csrf_from(client.get("/staff/").get_data(as_text=True))
    response = client.post(
        _url(approved),
        data={"csrf_token": token, "action": "save", "report": "x", **_receipts()},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    proof = proofs.find(approved)
    assert proof is None or (proof.report, proof.receipts) == ("", [])


def test_no_proof_for_an_application_not_approved(client, login, area, fund, staff):
    from tests.factories import ApplicationFactory

    ready = ApplicationFactory(area=area, fund=fund, title="Hoffest", requested_cents=30000)
    db.session.commit()
    login(staff)
    response = client.get(_url(ready))
    assert response.status_code == 302
    assert proofs.find(ready) is None
