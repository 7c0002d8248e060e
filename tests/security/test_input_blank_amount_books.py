"""An amount of only blanks in the books' forms is an error next to the field, never a 500."""

from __future__ import annotations

import pytest

from juryfund.extensions import db
from juryfund.models import FundYear, LedgerEntry
from juryfund.services import books
from tests.conftest import csrf_from


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("payment", {"pay-amount": "   ", "pay-payment_type": "advance"}),
        ("refund", {"refund-amount": "   "}),
        ("adjust", {"adjust-amount": "   ", "adjust-reason": "Nachbewilligung"}),
    ],
)
def test_blank_amount_in_a_booking_form_is_an_error_next_to_the_field(
    app, client, login, approved, staff, step, data
):
    """Staff who type only spaces into the amount of a payment, refund or adjustment get a 500.

    MoneyField.process_formdata leaves data None for blank text, but InputRequired only checks
    that raw text was sent ("   " is truthy), so None reaches books.record_payment /
    record_refund / record_adjustment and fails with a TypeError (budget._check_cents, or
    ``allocated + None``). Expected: the form comes back with "This field is required." next
    to the amount and nothing is booked.
    """
    if step == "refund":  # the refund form shows once something was paid
        books.record_payment(
            approved, amount_cents=10000, payment_type="advance", note="", actor=staff.actor
        )
        db.session.commit()
    login(staff)
    fund_year = db.session.scalars(db.select(FundYear)).one()
    before = db.session.scalar(db.select(db.func.count(LedgerEntry.id)))
    if step == "adjust":
        page = f"/staff/fund-years/{fund_year.id}"
        url = f"{page}/adjust"
    else:
        page = f"/staff/applications/{approved.id}/money"
        url = f"/staff/applications/{approved.id}/{step}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post(url, data={"csrf_token": token, **data})
    assert response.status_code == 200, response.status_code
    prefix = next(iter(data)).split("-")[0]
    assert f'id="{prefix}-amount-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(LedgerEntry.id))) == before
