"""A resident's payment request (Zahlungsabruf) is on the QM team's to-do list while it waits:
first for approval, then, approved, for the transfer to be marked paid. The dashboard's number
links to the inbox filtered the same way (services.todos)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import PaymentRequest
from tests.conftest import log_in
from tests.intake.conftest import last_mail, status_link
from tests.office_steps import DE, pay_advance, post

pytestmark = pytest.mark.ledger

IBAN = "DE89 3704 0044 0532 0130 00"


def _todo_count(html: str, area, todo: str) -> int | None:
    """The number the dashboard shows in front of a to-do link (None: not shown)."""
    link = f"/staff/areas/{area.id}/applications?todo={todo}"
    found = re.search(rf'href="{re.escape(link)}"><strong>(\d+)</strong>', html)
    return int(found.group(1)) if found else None


def _listed(client, area, todo: str) -> list[str]:
    """The references the inbox lists for a to-do."""
    html = client.get(f"/staff/areas/{area.id}/applications?todo={todo}").get_data(as_text=True)
    return re.findall(rf"{area.code}-\d{{4}}-\d{{4}}", html)


def _request_reimbursement(app, project) -> None:
    """The resident asks, through the status page, for 200 € to be reimbursed."""
    resident = app.test_client()
    assert resident.get(status_link(last_mail(project.email))).status_code == 302
    asked = post(
        resident,
        f"/status/{project.reference}/payment-request",
        {
            "payreq-kind": "reimbursement",
            "payreq-amount": "200,00",
            "payreq-account_holder": "Ayşe Yılmaz",
            "payreq-iban": IBAN,
            "payreq-bic": "",
        },
        "/status/resend",
    )
    assert asked.status_code == 302, asked.get_data(as_text=True)[:1000]


def test_waiting_payment_request_is_on_the_todo_list(app, client, login, staff, area, approved):
    login(staff)
    pay_advance(client, approved, "200,00")
    _request_reimbursement(app, approved)
    request = db.session.scalars(select(PaymentRequest)).one()
    assert request.state == "requested"

    dashboard = client.get("/staff/", headers=DE).get_data(as_text=True)
    assert "Hier wartet nichts auf Sie." not in dashboard
    assert _todo_count(dashboard, area, "payment_request") == 1
    assert _todo_count(dashboard, area, "bank_transfer") is None
    assert _listed(client, area, "payment_request") == [approved.reference]


def test_approved_request_waits_for_the_transfer_until_marked_paid(
    app, client, staff, area, approved
):
    _request_reimbursement(app, approved)
    request = db.session.scalars(select(PaymentRequest)).one()
    log_in(client, staff)
    money = f"/staff/applications/{approved.id}/money"
    steps = f"/staff/applications/{approved.id}/payment-requests/{request.id}"
    assert post(client, f"{steps}/approve", {}, money).status_code == 302

    dashboard = client.get("/staff/", headers=DE).get_data(as_text=True)
    assert _todo_count(dashboard, area, "payment_request") is None
    assert _todo_count(dashboard, area, "bank_transfer") == 1
    assert _listed(client, area, "bank_transfer") == [approved.reference]

    paid = post(client, f"{steps}/paid", {"prstep-note": "Kontoauszug 7"}, money)
    assert paid.status_code == 302
    dashboard = client.get("/staff/", headers=DE).get_data(as_text=True)
    assert _todo_count(dashboard, area, "bank_transfer") is None
