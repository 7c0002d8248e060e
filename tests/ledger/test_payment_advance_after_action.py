"""An advance pays for an action still to come: once the action has ended (in the area's
time zone) the status page refuses one next to its kind, and nothing is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest

from juryfund.infra import clock
from juryfund.services import payments
from tests.intake.conftest import open_status
from tests.intake.field_errors import field_errors

from ..conftest import csrf_from

pytestmark = pytest.mark.ledger


def status_csrf(client) -> str:
    """The session's CSRF token (the status page's own forms carry prefixes)."""
    return csrf_from(client.get("/status/resend").get_data(as_text=True))


def test_an_advance_is_refused_once_the_action_has_ended(client, approved, monkeypatch):
    """An advance is money paid before the action; once the action is over (here past its
    proof's due date, too) the status page refuses an advance next to its kind and asks for a
    reimbursement against receipts instead; nothing is stored."""
    open_status(client, approved)
    after = clock.now() + timedelta(
        days=(approved.end_date - clock.area_today(approved.area)).days + 60
    )
    monkeypatch.setattr(clock, "now", lambda: after)
    response = client.post(
        f"/status/{approved.reference}/payment-request",
        data={
            "csrf_token": status_csrf(client),
            "payreq-kind": "advance",
            "payreq-amount": "100,00",
            "payreq-account_holder": "Ayşe Yılmaz",
            "payreq-iban": "DE89 3704 0044 0532 0130 00",
        },
    )
    assert response.status_code == 200, response.headers.get("Location")
    assert "payreq-kind" in field_errors(response)
    assert payments.requests_of(approved) == []
