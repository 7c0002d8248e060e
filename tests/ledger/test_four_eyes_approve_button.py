"""A payment request on paper: the staff member who typed it in is not offered "Approve
request" (four eyes: payments.may_approve); a colleague is, and the approval goes through."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import PaymentRequest
from tests.conftest import log_in
from tests.office_steps import DE, post

pytestmark = pytest.mark.ledger

IBAN = "DE89 3704 0044 0532 0130 00"


def test_approve_button_is_not_offered_to_who_entered_the_request(
    app, client, login, staff, area, approved, make
):
    colleague = make.staff(areas=[area])
    db.session.commit()
    login(staff)
    money = f"/staff/applications/{approved.id}/money"
    response = post(
        client,
        f"/staff/applications/{approved.id}/payment-requests",
        {
            "payreq-kind": "advance",
            "payreq-amount": "250,00",
            "payreq-account_holder": "Ayşe Yılmaz",
            "payreq-iban": IBAN,
            "payreq-bic": "",
        },
        money,
    )
    assert response.status_code == 302
    request = db.session.scalars(select(PaymentRequest)).one()
    approve = f"/staff/applications/{approved.id}/payment-requests/{request.id}/approve"

    # The service still refuses it; the page neither offers it, and says who approves.
    assert post(client, approve, {}, money).status_code == 200  # refused: four eyes
    page = client.get(money, headers=DE).get_data(as_text=True)
    assert approve not in page, "the approve button is offered to who entered the request"
    assert "Vier-Augen-Prinzip" in page

    # The colleague is offered the button, and it works.
    other = app.test_client()
    log_in(other, colleague)
    assert approve in other.get(money, headers=DE).get_data(as_text=True)
    assert post(other, approve, {}, money).status_code == 302
