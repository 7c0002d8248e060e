"""The resident's proof form: receipt scans are kept whichever button is pressed, and a
receipt dated after today (in the area's time zone) is refused next to its date."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.services import proofs
from juryfund.services.proofs import ReceiptLine
from tests.intake.conftest import open_status
from tests.intake.field_errors import field_errors

from ..conftest import csrf_from

pytestmark = pytest.mark.ledger


def test_receipt_scans_chosen_with_add_line_on_the_proof_form_are_kept(client, approved):
    """A resident picks the receipt scans, then presses "add line" on the proof form: the
    scans are kept with the proof (as the application form keeps files on every button), not
    silently dropped."""
    open_status(client, approved)
    url = f"/status/{approved.reference}/proof"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(client.get(url).get_data(as_text=True)),
            "action": "add_line",
            "report": "Wir haben gepflanzt.",
            "receipts-0-date": clock.area_today(approved.area).isoformat(),
            "receipts-0-supplier": "Gartencenter",
            "receipts-0-item": "Erde",
            "receipts-0-amount": "89,90",
            "receipt_files": [(io.BytesIO(b"%PDF-1.4 receipt"), "beleg1.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert 'name="receipts-3-date"' in response.get_data(as_text=True)  # the line was added
    assert [f.filename for f in proofs.files_of(proofs.find(approved))] == ["beleg1.pdf"]


def test_a_receipt_dated_after_the_day_the_proof_is_sent_is_refused_next_to_its_date(
    client, approved
):
    """A receipt proves money already spent: one dated after today (in the area's time zone)
    is refused next to its date and the proof is not sent."""
    open_status(client, approved)
    url = f"/status/{approved.reference}/proof"
    future = clock.area_today(approved.area) + timedelta(days=20)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(client.get(url).get_data(as_text=True)),
            "action": "submit",
            "report": "Wir haben gepflanzt.",
            "receipts-0-date": future.isoformat(),
            "receipts-0-supplier": "Gartencenter",
            "receipts-0-item": "Erde",
            "receipts-0-amount": "100,00",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.headers.get("Location")
    assert "receipts-0-date" in field_errors(response)
    db.session.expire_all()
    assert proofs.find(approved).state == "draft"


def test_the_service_refuses_a_receipt_dated_after_today_for_every_caller(approved, staff):
    """Not only the form: staff saving for the applicant, or any later caller of proofs.save,
    gets the same refusal next to the receipt's date, and nothing is stored."""
    proof = proofs.proof_for(approved)
    db.session.commit()
    tomorrow = clock.area_today(approved.area) + timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        proofs.save(
            proof,
            report="Bericht",
            receipts=[
                ReceiptLine(clock.area_today(approved.area), "Baumarkt", "Erde", 1000),
                ReceiptLine(tomorrow, "Kiosk", "Saft", 500),
            ],
            actor=staff.actor,
        )
    assert (refused.value.reason, refused.value.field) == (
        "proof.receipt_in_future",
        "receipts-1-date",
    )
    db.session.rollback()
    assert proofs.proof_for(approved).receipts == []
