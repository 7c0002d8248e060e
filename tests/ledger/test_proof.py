"""Proof of use: the resident sends a report with three receipts; staff settle; money returns."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.infra.mail import deliver_pending
from juryfund.models import Attachment, Mail, ProofOfUse
from juryfund.services import books, ledger, proofs
from tests.ledger.proof_pages import seen_on
from tests.smtp_server import links_in, messages_to, text_of

from ..conftest import csrf_from

pytestmark = pytest.mark.ledger


def receipts() -> dict[str, str]:
    """Receipts dated on the day the test runs: after the application, within its period."""
    today = clock.today_in(None).isoformat()
    return {
        "receipts-0-date": today,
        "receipts-0-supplier": "Gartencenter Wedding",
        "receipts-0-item": "Blumenerde",
        "receipts-0-amount": "89,90",
        "receipts-1-date": today,
        "receipts-1-supplier": "Staudengärtnerei",
        "receipts-1-item": "Stauden",
        "receipts-1-amount": "180,00",
        "receipts-2-date": today,
        "receipts-2-supplier": "Baumarkt",
        "receipts-2-item": "Gießkannen",
        "receipts-2-amount": "62,10",
    }


def _resident(app, smtp_server, application):
    """The resident's browser, opened from the approval letter that reached the SMTP server."""
    deliver_pending()
    letter = messages_to(smtp_server, application.email)[-1]
    link = next(u for u in links_in(letter) if "/status/link/" in u)
    browser = app.test_client()
    browser.get("/status/link/" + link.rsplit("/status/link/", 1)[1])
    return browser


def _send(browser, reference, data, action):
    url = f"/status/{reference}/proof"
    token = csrf_from(browser.get(url).get_data(as_text=True))
    return browser.post(
        url,
        data={"csrf_token": token, "action": action, **data},
        content_type="multipart/form-data",
    )


def test_resident_sends_proof_with_three_receipts_staff_settle_money_returns(
    smtp_app, smtp_server, approved, staff, fund, login, client, post_form
):
    books.record_payment(
        approved, amount_cents=20000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    resident = _resident(smtp_app, smtp_server, approved)
    page = resident.get(f"/status/{approved.reference}").get_data(as_text=True)
    assert f"/status/{approved.reference}/proof" in page

    data = {
        "report": "Wir haben 12 Baumscheiben bepflanzt, 25 Nachbarn haben mitgemacht.",
        **receipts(),
        "receipt_files": [
            (io.BytesIO(b"%PDF-1.4 receipt 1"), "beleg1.pdf"),
            (io.BytesIO(b"%PDF-1.4 receipt 2"), "beleg2.pdf"),
            (io.BytesIO(b"\xff\xd8\xff\xe0 receipt 3"), "beleg3.jpg"),
        ],
        "photos": [(io.BytesIO(b"\x89PNG\r\n\x1a\n photo"), "aktion.png")],
    }
    assert _send(resident, approved.reference, data, "submit").status_code == 302
    proof = db.session.scalars(select(ProofOfUse)).one()
    assert (proof.state, proofs.proven_cents(proof), len(proof.receipts)) == ("submitted", 33200, 3)
    kinds = sorted(
        a.kind
        for a in db.session.scalars(select(Attachment).where(Attachment.proof_id == proof.id))
    )
    assert kinds == ["photo", "receipt", "receipt", "receipt"]

    login(staff)
    money = f"/staff/applications/{approved.id}/money"
    html = client.get(money).get_data(as_text=True)
    assert "Blumenerde" in html and "332,00" in html
    available_before = ledger.balances_of(fund.years[0].id).available
    response = post_form(
        f"/staff/applications/{approved.id}/proof/accept",
        {"review-note": "", "review-seen": seen_on(client.get(money))},
        page=money,
    )
    assert response.status_code == 302
    db.session.refresh(approved)
    assert approved.state == "settled"
    account = ledger.account_of(approved.id)
    assert (account.paid, account.released, account.committed) == (33200, 6800, 33200)
    assert ledger.balances_of(fund.years[0].id).available == available_before + 6800
    deliver_pending()
    accepted = messages_to(smtp_server, approved.email)[-1]
    assert "68,00" in text_of(accepted)


def test_incomplete_proof_is_kept_with_errors(smtp_app, smtp_server, approved):
    resident = _resident(smtp_app, smtp_server, approved)
    data = {
        "report": "",
        **receipts(),
        "receipts-1-amount": "",
        "photos": [(io.BytesIO(b"GIF89a"), "bild.gif")],
    }
    response = _send(resident, approved.reference, data, "submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="receipts-1-amount-error"' in html and 'id="photos-error"' in html
    assert 'value="Gartencenter Wedding"' in html
    assert db.session.scalars(select(ProofOfUse)).one().state == "draft"


def test_submit_without_report_refused(smtp_app, smtp_server, approved):
    resident = _resident(smtp_app, smtp_server, approved)
    response = _send(resident, approved.reference, {"report": "", **receipts()}, "submit")
    assert 'id="report-error"' in response.get_data(as_text=True)
    proof = db.session.scalars(select(ProofOfUse)).one()
    assert (proof.state, len(proof.receipts)) == ("draft", 3)  # what was typed is saved


def test_staff_ask_for_changes_then_resident_resends(smtp_app, smtp_server, approved, staff):
    resident = _resident(smtp_app, smtp_server, approved)
    _send(resident, approved.reference, {"report": "Bericht", **receipts()}, "submit")
    proof = db.session.scalars(select(ProofOfUse)).one()
    proofs.request_changes(proof, note="Bitte Fotos ergänzen.", actor=staff.actor)
    db.session.commit()
    deliver_pending()
    assert "Bitte Fotos ergänzen." in text_of(messages_to(smtp_server, approved.email)[-1])
    response = _send(
        resident,
        approved.reference,
        {
            "report": "Bericht mit Fotos",
            **receipts(),
            "photos": [(io.BytesIO(b"\x89PNG\r\n\x1a\n"), "f.png")],
        },
        "submit",
    )
    assert response.status_code == 302
    db.session.refresh(proof)
    assert proof.state == "submitted"


def test_paid_more_than_proven_needs_refund_before_settlement(
    smtp_app, smtp_server, approved, staff, fund
):
    books.record_payment(
        approved, amount_cents=40000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    resident = _resident(smtp_app, smtp_server, approved)
    _send(resident, approved.reference, {"report": "Bericht", **receipts()}, "submit")
    proof = db.session.scalars(select(ProofOfUse)).one()
    with pytest.raises(Exception) as caught:
        proofs.accept(proof, actor=staff.actor)
    assert caught.value.reason == "proof.refund_first"
    db.session.rollback()
    assert proofs.claim_refund(proof, note="Bitte bis Monatsende.", actor=staff.actor) == 6800
    db.session.commit()
    deliver_pending()
    assert "68,00" in text_of(messages_to(smtp_server, approved.email)[-1])
    books.record_refund(approved, amount_cents=6800, note="eingegangen", actor=staff.actor)
    proofs.accept(proof, actor=staff.actor)
    db.session.commit()
    account = ledger.account_of(approved.id)
    assert (approved.state, account.paid, account.released) == ("settled", 33200, 6800)


def test_tick_reminds_before_due_and_tells_staff_when_overdue(runner, approved, area):
    area.contact_email = "qm@soldiner.example"
    proof = db.session.scalars(select(ProofOfUse)).one()
    proof.due_on = clock.area_today(area) + timedelta(days=3)
    db.session.commit()
    runner.invoke(args=["juryfund", "tick"])
    runner.invoke(args=["juryfund", "tick"])
    reminders = db.session.scalars(select(Mail).where(Mail.purpose == "proof.reminder")).all()
    assert [m.to_addr for m in reminders] == [approved.email]
    proof.due_on = clock.area_today(area) - timedelta(days=1)
    db.session.commit()
    runner.invoke(args=["juryfund", "tick"])
    runner.invoke(args=["juryfund", "tick"])
    notices = db.session.scalars(select(Mail).where(Mail.purpose == "notice.proof_overdue")).all()
    assert [m.to_addr for m in notices] == ["qm@soldiner.example"]
    assert approved.reference in notices[0].body_text


def test_reminders_count_days_in_the_areas_time_zone(approved):
    """At 00:30 in Berlin (23:30 UTC the day before) a proof due "yesterday" in Berlin is overdue
    and one due in seven Berlin days is reminded: the UTC date would be a day late for both."""
    proof = db.session.scalars(select(ProofOfUse)).one()
    now = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # 7 December, 00:30 in Berlin
    assert approved.area.timezone in (None, "Europe/Berlin")
    proof.due_on = date(2026, 12, 6)
    db.session.commit()
    remind, overdue = proofs.due_reminders(now)
    assert overdue == [proof]
    proof.due_on = date(2026, 12, 14)
    db.session.commit()
    remind, overdue = proofs.due_reminders(now)
    assert (remind, overdue) == ([proof], [])
