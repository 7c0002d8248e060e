"""Fund rules at proof of use: the flat allowance paid with the reimbursement, and receipts
dated before the application or outside the funding period, accepted or refused by staff."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from juryfund.domain.errors import DomainError
from juryfund.domain.notes import CodeNote, NoteCode, read_note
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import LedgerEntry, Mail, ProofOfUse
from juryfund.services import intake, ledger, proofs
from juryfund.services.proofs import ReceiptLine
from tests.ledger.proof_pages import seen_on

pytestmark = [pytest.mark.ledger, pytest.mark.voting]


def _proof(application, *lines: tuple[date, int]) -> ProofOfUse:
    proof = proofs.proof_for(application)
    proofs.save(
        proof,
        report="Es war schön.",
        receipts=[
            ReceiptLine(day, "Baumarkt", f"Posten {i}", cents)
            for i, (day, cents) in enumerate(lines)
        ],
    )
    proofs.submit(proof)
    db.session.commit()
    return proof


def _payments(application) -> list[tuple[int, str, str]]:
    return [
        (e.amount_cents, e.payment_type, e.note)
        for e in db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.application_id == application.id, LedgerEntry.kind == "payment")
            .order_by(LedgerEntry.id)
        )
    ]


@pytest.mark.parametrize(
    ("allowance_bp", "proven", "receipts", "allowance", "released"),
    [
        (1000, 30_000, 30_000, 3_000, 7_000),  # 10 % of 300 €
        (300, 12_345, 12_345, 370, 27_285),  # 3 % of 123.45 € = 3.7035 € rounds down
        (1000, 38_000, 38_000, 2_000, 0),  # the allowance stays inside the 400 € approved
        (0, 30_000, 30_000, 0, 10_000),
    ],
)
def test_allowance_is_booked_with_the_reimbursement(
    approved, staff, allowance_bp, proven, receipts, allowance, released
):
    approved.fund.allowance_bp = allowance_bp
    proof = _proof(approved, (clock.today_in(None), proven))
    proofs.accept(proof, actor=staff.actor)
    db.session.commit()
    payments = _payments(approved)
    assert payments[0][:2] == (receipts, "reimbursement")
    if allowance:
        assert payments[1][:2] == (allowance, "reimbursement")
        # Stored as a code and worded when shown (web.notes): share and the proven costs.
        assert read_note(payments[1][2]) == CodeNote(NoteCode.ALLOWANCE, (allowance_bp, receipts))
    else:
        assert len(payments) == 1
    account = ledger.account_of(approved.id)
    assert (account.paid, account.released) == (receipts + allowance, released)
    mail = db.session.scalars(
        select(Mail).where(Mail.purpose == "proof.accepted").order_by(Mail.id.desc())
    ).first()
    assert ("Pauschale" in mail.body_text) == (allowance > 0)


def test_retroactive_receipts_need_a_choice_and_refused_ones_do_not_count(
    app, approved, staff, client, login, post_form
):
    before = clock.today_in(None) - timedelta(
        days=400
    )  # before the application and outside the period
    proof = _proof(
        approved, (clock.today_in(None), 20_000), (before, 5_000), (clock.today_in(None), 3_000)
    )
    flagged = proof.receipts[1]
    assert proofs.receipt_flags(proof) == {flagged.id: ("before_application", "outside_period")}
    with pytest.raises(DomainError) as caught:
        proofs.accept(proof, actor=staff.actor)
    assert caught.value.reason == "proof.receipts_undecided"
    db.session.rollback()

    login(staff)
    money = f"/staff/applications/{approved.id}/money"
    html = client.get(money).get_data(as_text=True)
    assert f'id="receipt-{flagged.id}"' in html
    url = f"/staff/applications/{approved.id}/proof/receipts/{flagged.id}"
    prefix = f"receipt{flagged.id}"
    # Refusing needs a reason: the error stands next to the field.
    response = post_form(url, {f"{prefix}-choice": "refused", f"{prefix}-reason": ""}, page=money)
    assert response.status_code == 200
    assert f'id="{prefix}-reason-error"' in response.get_data(as_text=True)
    response = post_form(
        url,
        {f"{prefix}-choice": "refused", f"{prefix}-reason": "Vor dem Antrag gekauft."},
        page=money,
    )
    assert response.status_code == 302
    db.session.refresh(flagged)
    assert (flagged.choice, flagged.choice_reason) == ("refused", "Vor dem Antrag gekauft.")
    assert proofs.proven_cents(proof) == 23_000

    response = post_form(
        f"/staff/applications/{approved.id}/proof/accept",
        {"review-note": "", "review-seen": seen_on(client.get(money))},
        page=money,
    )
    assert response.status_code == 302
    account = ledger.account_of(approved.id)
    assert (account.paid, account.released) == (23_000, 17_000)

    # The applicant reads which receipt was not counted, and why, on the proof page.
    resident = app.test_client()
    token = intake.new_status_token(approved)
    db.session.commit()
    resident.get(f"/status/link/{token}")
    page = resident.get(
        f"/status/{approved.reference}/proof", headers={"Accept-Language": "de"}
    ).get_data(as_text=True)
    assert page.count("Nicht berücksichtigt") == 1 and "Vor dem Antrag gekauft." in page
    # The history words the product's note on the choice in the reader's language.
    history = resident.get(
        f"/status/{approved.reference}", headers={"Accept-Language": "de"}
    ).get_data(as_text=True)
    assert "@receipt" not in history
    refused = f'Beleg {flagged.position} nicht anerkannt: <bdi lang="de">Vor dem Antrag gekauft.'
    assert refused in history


def test_accepted_retroactive_receipt_counts(approved, staff):
    proof = _proof(approved, (clock.today_in(None) - timedelta(days=400), 5_000))
    (receipt,) = proof.receipts
    proofs.choose_receipt(proof, receipt, choice="accepted", reason="", actor=staff.actor)
    proofs.accept(proof, actor=staff.actor)
    db.session.commit()
    assert ledger.account_of(approved.id).paid == 5_000


def test_a_receipt_without_flag_needs_no_choice(approved, staff):
    proof = _proof(approved, (clock.today_in(None), 5_000))
    with pytest.raises(DomainError) as caught:
        proofs.choose_receipt(
            proof, proof.receipts[0], choice="refused", reason="x", actor=staff.actor
        )
    assert caught.value.reason == "receipt.not_flagged"


def test_receipt_of_another_proof_is_not_found(approved, staff, client, login, post_form):
    proof = _proof(approved, (clock.today_in(None) - timedelta(days=400), 5_000))
    login(staff)
    response = client.post(
        f"/staff/applications/{approved.id}/proof/receipts/{proof.receipts[0].id + 999}"
    )
    assert response.status_code in (400, 404)


def test_a_settlement_from_a_page_showing_an_earlier_proof_is_refused(
    client, approved, staff, login, post_form
):
    """Staff read a proof with 250 € of receipts; meanwhile a colleague sends it back and the
    applicant sends it again with 400 €. Accepting from the page that showed 250 € would pay
    400 € on receipts nobody checked: it is refused with nothing booked, and the page then
    shows the new version, from which the settlement goes through."""
    from juryfund.domain.actors import Actor
    from juryfund.domain.states import State
    from tests.factories import StaffFactory

    today = clock.area_today(approved.area)
    proof = proofs.proof_for(approved)
    proofs.save(proof, report="Schön.", receipts=[ReceiptLine(today, "Baumarkt", "Erde", 25000)])
    proofs.submit(proof)
    colleague = StaffFactory(areas=[approved.area])
    db.session.commit()
    login(staff)
    money = f"/staff/applications/{approved.id}/money"
    shown = client.get(money)
    seen_then = seen_on(shown)

    proofs.request_changes(proof, note="Bitte Fotos ergänzen.", actor=colleague.actor)
    proofs.save(
        proof,
        report="Schön. Fotos anbei.",
        receipts=[
            ReceiptLine(today, "Baumarkt", "Erde", 25000),
            ReceiptLine(today, "Eventservice GmbH", "Bühne", 15000),
        ],
    )
    proofs.submit(proof, actor=Actor.applicant(approved.reference))
    db.session.commit()

    accept = f"/staff/applications/{approved.id}/proof/accept"
    for step in ("accept", "refund"):
        response = post_form(
            accept.replace("accept", step),
            {"review-note": "", "review-seen": seen_then},
            page=money,
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 200
        assert "changed while you were reading it" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (approved.state, ledger.account_of(approved.id).paid) == (State.APPROVED.value, 0)

    response = post_form(
        accept, {"review-note": "", "review-seen": seen_on(client.get(money))}, page=money
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (approved.state, ledger.account_of(approved.id).paid) == (State.SETTLED.value, 40000)
