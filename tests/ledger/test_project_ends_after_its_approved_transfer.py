"""A project is not settled or cancelled while an approved transfer waits for the bank.

An approved payment request stands on the payment list the QM team hands to the bank, and may
be transferred already. Settling the proof or cancelling the project used to refuse the request
on the way (it left the books' list) while the settlement booked the same money once more: the
bank paid the request from the list downloaded before, and the settlement on top of it. Staff
mark the request paid or refuse it first (as for a correction below it,
decision.below_approved_request).
"""

from __future__ import annotations

import pytest

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import PaymentRequest
from juryfund.services import books, ledger, payments, proofs
from tests.fixtures import ask_payment, colleague_of

pytestmark = pytest.mark.ledger


def _approved_request(application, staff, amount: int) -> PaymentRequest:
    """A reimbursement of `amount` cents entered by a colleague and approved by `staff`: it
    stands on the bank's payment list."""
    request = ask_payment(application, colleague_of(application), amount, "reimbursement")
    payments.approve(request, actor=staff.actor)
    db.session.commit()
    return request


def _submitted_proof(application, spent: int):
    """The applicant's proof of use with one receipt of `spent` cents, sent for review."""
    proof = proofs.proof_for(application)
    proofs.save(
        proof,
        report="Es war schön.",
        # The area's day (the decision's): in UTC's last hour Berlin's day is the next one.
        receipts=[
            proofs.ReceiptLine(clock.area_today(application.area), "Baumarkt", "Erde", spent)
        ],
    )
    proofs.submit(proof)
    db.session.commit()
    return proof


def _listed(application, fund) -> list[tuple[str, int]]:
    return [
        (row.reference, row.amount_cents)
        for row in payments.payment_list(application.area_id, fund.years[0].id)
    ]


def test_settling_is_refused_while_an_approved_transfer_waits_and_pays_it_once(
    approved, staff, fund
):
    """ "Pflanzaktion" (400 € approved) asks for 300 € of receipts; staff approve the request,
    the list goes to the bank. Settling the 300 € proof then would refuse the request and book
    300 € as the settlement: 600 € out for 300 € proven. It is refused until the request is
    marked paid; then the settlement releases the rest and pays nothing more."""
    request = _approved_request(approved, staff, 30000)
    proof = _submitted_proof(approved, 30000)

    with pytest.raises(DomainError) as refused:
        proofs.accept(proof, actor=staff.actor)
    assert (refused.value.reason, refused.value.params["requested"]) == (
        "books.approved_request_waiting",
        30000,
    )
    db.session.rollback()
    assert db.session.get(PaymentRequest, request.id).state == "approved"
    assert _listed(approved, fund) == [(approved.reference, 30000)]
    assert ledger.account_of(approved.id).paid == 0

    payments.mark_paid(db.session.get(PaymentRequest, request.id), actor=staff.actor)
    proofs.accept(proofs.find(approved), actor=staff.actor)
    db.session.commit()
    account = ledger.account_of(approved.id)
    assert (account.paid, account.committed) == (30000, 30000)  # paid once, 100 € released
    assert _listed(approved, fund) == []


def test_cancelling_is_refused_while_an_approved_transfer_waits(approved, staff, fund):
    """Cancelling would take the approved 100 € off the books' list and release it, while the
    bank pays it from the list it has: money out for a project the books say got nothing."""
    request = _approved_request(approved, staff, 10000)

    with pytest.raises(DomainError) as refused:
        books.cancel(approved, reason="Fest abgesagt", actor=staff.actor)
    assert refused.value.reason == "books.approved_request_waiting"
    db.session.rollback()
    assert db.session.get(PaymentRequest, request.id).state == "approved"
    assert _listed(approved, fund) == [(approved.reference, 10000)]

    payments.refuse_request(
        db.session.get(PaymentRequest, request.id), reason="Nicht überwiesen", actor=staff.actor
    )
    books.cancel(approved, reason="Fest abgesagt", actor=staff.actor)
    db.session.commit()
    assert ledger.account_of(approved.id).committed == 0
    assert _listed(approved, fund) == []


def test_money_page_shows_the_refusals_at_the_settle_and_cancel_forms(
    client, approved, staff, fund, login, post_form
):
    """The refusal stands in the form staff used, naming the request's amount."""
    _approved_request(approved, staff, 30000)
    _submitted_proof(approved, 30000)
    login(staff)
    money = f"/staff/applications/{approved.id}/money"
    english = {"Accept-Language": "en"}
    message = "A payment request of €300.00 is approved and may already be with the bank"

    response = post_form(
        f"/staff/applications/{approved.id}/proof/accept",
        {"review-seen": proofs.fingerprint(proofs.find(approved))},
        page=money,
        headers=english,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    button = html.index(">Accept and settle<")
    assert message in html[html.rindex("<form", 0, button) - 2000 : button]

    response = post_form(
        f"/staff/applications/{approved.id}/cancel",
        {"cancel-reason": "Fest abgesagt", "cancel-confirm": "y"},
        page=money,
        headers=english,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html[html.index('id="cancel-title"') :]
    db.session.expire_all()
    assert approved.state == "approved"
    assert _listed(approved, fund) == [(approved.reference, 30000)]
