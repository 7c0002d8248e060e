"""A QM office's steps in the browser, shared by tests: forms posted with their page's CSRF token."""

from __future__ import annotations

import re

from juryfund.infra import clock
from tests.conftest import csrf_from

DE = {"Accept-Language": "de"}


def post(client, url: str, data: dict, page: str):
    """POST a form as the browser does from `page` (German UI)."""
    token = csrf_from(client.get(page, headers=DE).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, headers=DE)


def pay_advance(client, project, amount: str) -> None:
    """Through the money page: an advance of `amount` (as typed, "300,00") transferred."""
    paid = post(
        client,
        f"/staff/applications/{project.id}/payment",
        {"pay-payment_type": "advance", "pay-amount": amount, "pay-note": "Überweisung 1"},
        f"/staff/applications/{project.id}/money",
    )
    assert paid.status_code == 302


def settle_partly_spent(client, project, area) -> None:
    """Through the money page: 300 € advance, the proof (entered for the applicant) shows
    250 € spent, 50 € come back, staff accept the proof (150 € released)."""
    money = f"/staff/applications/{project.id}/money"
    pay_advance(client, project, "300,00")
    edit = f"/staff/applications/{project.id}/proof/edit"
    sent = post(
        client,
        edit,
        {
            "report": "Wir haben gepflanzt.",
            "receipts-0-date": clock.area_today(area).isoformat(),
            "receipts-0-supplier": "Baumarkt",
            "receipts-0-item": "Erde",
            "receipts-0-amount": "250,00",
            "note": "im Büro abgegeben",
            "action": "submit",
        },
        edit,
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    refund = post(
        client,
        f"/staff/applications/{project.id}/refund",
        {"refund-amount": "50,00", "refund-note": "eingegangen"},
        money,
    )
    assert refund.status_code == 302
    seen = re.search(
        r'name="review-seen" type="hidden" value="([^"]*)"',
        client.get(money).get_data(as_text=True),
    ).group(1)
    accepted = post(
        client,
        f"/staff/applications/{project.id}/proof/accept",
        {"review-note": "", "review-seen": seen},
        money,
    )
    assert accepted.status_code == 302
